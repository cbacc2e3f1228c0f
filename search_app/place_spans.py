"""The place that answers "where" or "in which city / country": a name after "in", "at"..., an
event's place in brackets before its dates, a dateline's place, or for "which country" any
country the sentence names."""

from __future__ import annotations

import re

from indexer.facets import country_spans

from .closeness import Span, closest, not_in_question
from .span_patterns import DATES, MONTHS, NOT_PLACES, PLACE, PLACE_PREPOSITION, REGIONS, WORDS

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = rf"(?:{'|'.join(_WEEKDAYS)})\b"
DATELINE = re.compile(rf",\s+(?!{_WEEKDAY})([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,2}})"
                      rf"(?:,\s+(?!{_WEEKDAY})([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?))?"
                      rf",\s+(?:{_WEEKDAY},?\s+)?(?={DATES.pattern})")


def place_span(question: str, sentence: str) -> Span | None:
    """A place after "in", "at"...: "Bangkok, Thailand" whole for "where", the country alone for
    "which country", the city alone for "which city"."""
    wants = "country" if re.search(r"\bcountry\b", question, re.I) else \
        "city" if re.search(r"\b(city|town|capital)\b", question, re.I) else \
        "venue" if re.search(r"\b(?:venue|hotel)\b", question, re.I) else "place"
    # "At what venue...": "the Adelaide Convention Centre" is the answer, though a centre is a body's word too.
    not_places = NOT_PLACES - VENUE_WORDS if wants == "venue" else NOT_PLACES
    found = []
    for m in PLACE.finditer(sentence):
        # "the Roundtable on Returns (Manila, 3-4 December 2015)": an event's place and dates in
        # brackets; "the Lead Shepherd (Philippines)": a country in brackets for "which country".
        bracketed = sentence[:m.start()].endswith("(") and (
            DATES.match(sentence[m.end():].lstrip(", ")) is not None and sentence[m.end():].startswith(",")
            or wants == "country" and sentence[m.end():].startswith(")"))
        if not bracketed and not PLACE_PREPOSITION.search(sentence[max(0, m.start() - 12) : m.start()]):
            continue
        words = [w.lower() for w in WORDS.findall(m.group(1))]
        if not words or any(w in not_places or w in MONTHS for w in words) or DATES.fullmatch(m.group(1)):
            continue
        if len(words) > 1 and m.group(1).isupper():  # a page banner in capitals, not a place
            continue
        if wants != "place" and any(w in REGIONS for w in words):
            continue  # "in the Asia and Pacific region" names no city or country
        found += _asked_part(sentence, wants, m)
    # A dateline: "Ninth Ministerial Conference, Nusa Dua, Bali, 12 February 2025".
    for m in DATELINE.finditer(sentence):
        places = [g for g in (m.group(1), m.group(2)) if g]
        if any(w.lower() in not_places or w.lower() in MONTHS for g in places for w in WORDS.findall(g)):
            continue
        found += _asked_part(sentence, wants, m)
    if wants == "country":
        # "after Mongolia joined as a member state": a country needs no preposition, but it must
        # not be part of a name ("Jordan Lee", "Mr Chad Evans", "Thailand Institute of Justice").
        found += [Span(a, b) for a, b in country_spans(sentence) if not _IN_NAME_AFTER.match(sentence, b)
                  and not _IN_NAME_BEFORE.search(sentence[max(0, a - 12) : a])
                  and not any(f.start <= a < f.end for f in found)]
    # "In which district of Bangkok...": "the Sathorn district", the district's name with its noun.
    noun = _PLACE_NOUN.search(question)
    if noun:
        after = re.compile(rf"\s+{noun.group(1)}\b", re.I)
        found = [Span(f.start, m.end()) if (m := after.match(sentence, f.end)) else f for f in found]
    if wants == "venue":  # "the Philippine International Convention Center": a venue's name runs on
        found = [_venue_name(sentence, f) for f in found]
        # and says it is a venue, or stands where one does ("at the Grand Hyatt Jakarta"): "Which
        # venue in Bangkok hosted ...?" is not answered by "in Nusa Dua".
        found = [f for f in found if VENUE_WORDS & {w.lower() for w in WORDS.findall(sentence[f.start:f.end])}
                 or re.search(r"\bat\s+(?:the\s+)?$", sentence[max(0, f.start - 8):f.start])]
    return closest(question, sentence, not_in_question(question, found, sentence))


_NAME_RUNS_ON = re.compile(r"(?:\s+(?:and\s+|of\s+(?:the\s+)?)?[A-Z][\w'’-]+){1,4}")
_CAPITALS_RUN_ON = re.compile(r"(?:\s+[A-Z][\w'’-]+){1,4}")


def _venue_name(sentence: str, found: Span) -> Span:
    """A venue's name run on past the place pattern's three words: through "and" or "of" only
    to a venue's word ("Brisbane Convention and Exhibition Centre", not "... Centre and
    Ministers"), else through capitals alone."""
    m = _NAME_RUNS_ON.match(sentence, found.end)
    if m and not (sentence[m.start():m.end()].split()[-1].lower().strip(".,") in VENUE_WORDS) \
            and re.search(r"\s(?:and|of)\s", sentence[m.start():m.end()]):
        m = _CAPITALS_RUN_ON.match(sentence, found.end)
    return Span(found.start, m.end()) if m else found
# Nouns a place's name is followed by ("the Sathorn district", "Kedah province"), when the question asks for one.
_PLACE_NOUN = re.compile(r"\b(?:which|what)\s+(district|province|region|island|suburb|village|port)\b", re.I)
VENUE_WORDS = {"centre", "center", "hall", "hotel", "convention", "house", "palace", "building", "auditorium",
               "resort", "complex", "headquarters", "campus", "venue"}
_IN_NAME_AFTER = re.compile(r"[ -][A-Z]")
_IN_NAME_BEFORE = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Hon|Sir|Dame)\.?\s+$")


def _asked_part(sentence: str, wants: str, m: re.Match) -> list[Span]:
    """Of a place matched as (city)(, country)?: "Bangkok, Thailand" whole for "where"; the city
    for "which city", the venue for "what venue" ("Adelaide Convention Centre, Adelaide"); for
    "which country" the part that is one, if any ("Bali, Indonesia" -> "Indonesia"; "Nusa Dua,
    Bali" -> none)."""
    city, country = Span(*m.span(1)), Span(*m.span(2)) if m.group(2) else None
    if wants == "country":
        return [part for part in (country, city) if part and _is_country(sentence, part)][:1]
    return [city if wants in ("city", "venue") or country is None else Span(city.start, country.end)]


def _is_country(sentence: str, part: Span) -> bool:
    """Whether the whole of `part` is a country's name ("Thailand"; not "Bangkok" or "IOM")."""
    return country_spans(sentence[part.start : part.end]) == [(0, part.end - part.start)]
