"""The short answer inside an answering sentence: the words that answer the question (a date,
a number, an amount, a person, an organisation, a place, a list of names, an acronym's long form,
or the clause for "why" and "what"), as offsets into the sentence.

    kind = answer_kind(question)           what sort of thing it asks for (question_kinds.py)
    span = find_span(question, kind, sentence, long_forms)   (start, end) in the sentence, or None

A question that asks for a kind of thing the sentence does not hold gets no span; the answer
picker then says there is no answer rather than quote a sentence that only shares the topic.
Rules, not a model: no extractive reader with bundled weights exists on the registries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.terms import STOPWORDS, light_stem, light_stems


_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DATES = re.compile(
    rf"\b(?:{_DAY}(?:\s*(?:-|–|to|and)\s*{_DAY})?\s+{_MONTH}(?:,?\s+{_YEAR})?"  # 7-9 November 2023
    rf"|{_MONTH}\s+{_DAY}(?:\s*(?:-|–)\s*{_DAY})?(?:,?\s+{_YEAR})?"  # March 18, 2024
    rf"|{_MONTH}\s+{_YEAR}"  # April 2013
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"  # 2016-03-22
    rf"|{_YEAR}\s*(?:-|–|to)\s*(?:{_YEAR}|\d\d)\b"  # 2024-2026
    rf"|{_YEAR})\b")
_YEARS = re.compile(rf"\b{_YEAR}\b")
# Nouns a count is of: "45 Member States", "131 traffickers" keep them with the number.
_COUNT_NOUNS = {"states", "countries", "nations", "organisations", "organizations", "members", "observers", "officials",
                "participants", "delegates", "cases", "convictions", "people", "persons", "victims", "traffickers",
                "workshops", "courses", "activities", "meetings", "agencies", "governments", "representatives"}
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                 "hundred hundreds thousand thousands dozen dozens").split()
_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d,]*(?:\.\d+)?(?:\s*(?:%|per cent|percent))?|(?:"
                     + "|".join(_NUMBER_WORDS) + r")(?:[- ](?:" + "|".join(_NUMBER_WORDS) + r"))*)(?![\w])", re.I)
_CURRENCY = r"(?:USD|US\$|AUD|A\$|NZD|EUR|GBP|IDR|\$|€|£)"
_MAGNITUDE = r"(?:\s*(?:million|billion|thousand|m|bn|k))?"
_AMOUNT = re.compile(rf"{_CURRENCY}\s?\d[\d,]*(?:\.\d+)?{_MAGNITUDE}(?![\w])"
                     rf"|\d[\d,]*(?:\.\d+)?{_MAGNITUDE}\s+(?:US\s+)?(?:dollars|USD|AUD|euros|rupiah)\b", re.I)
# A run of capitalised words with the small words names and titles keep inside.
_CAP = r"[A-Z][\w'’.&-]*"
_JOIN = r"(?:of|for|the|on|and|in|to|de|da|bin|binti|van|al|el|&)"
_PROPER = re.compile(rf"{_CAP}(?:\s+(?:{_JOIN}\s+)*{_CAP})*")
# A person's name: capitalised words with the particles names keep (bin, van, de), not "of".
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:bin|binti|van|von|de|da|al|el)\s+)?{_CAP})*")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&-]{1,9}\b")
_ROMAN = re.compile(r"[IVXLC]+")
_TITLES = (r"H\.E\.|Excellency|Ambassador|Mr|Mrs|Ms|Dr|Prof|Professor|Hon|Honourable|Minister|Secretary|Director|"
           r"Deputy|Senator|Commissioner|Judge|Justice|Datuk|Dato'?|Tan Sri|Md")
# A place: capitalised words (no "of the ... for": those are bodies), with a country after a comma.
_PLACE = re.compile(r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})(?:,\s+(?:the\s+)?([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?))?")
_ORG_WORDS = {"office", "organization", "organisation", "agency", "commission", "ministry", "department", "group",
              "centre", "center", "foundation", "council", "fund", "programme", "program", "network", "force",
              "secretariat", "university", "institute", "association", "union", "alliance", "forum", "process",
              "committee", "bureau", "police", "court", "tribunal", "nations", "bank", "authority", "service",
              "services", "unit", "partnership", "initiative", "mechanism", "team", "taskforce"}
_NOT_PLACES = _ORG_WORDS | {"meeting", "conference", "statement", "declaration", "report", "workshop", "the",
                            "co-chairs", "members", "member", "states", "minister", "ambassador", "government",
                            # "Trafficking in Persons", "Cooperation in the Region": not places
                            "persons", "people", "trafficking", "smuggling", "crime", "migrants", "refugees",
                            "victims", "partnerships", "partnership", "cooperation", "region", "support", "relation"}
_MONTHS = {m.lower().rstrip(".") for m in re.findall(r"[A-Za-z]+", _MONTH)}
_NOT_PERSON = _ORG_WORDS | _NOT_PLACES | _MONTHS | {
    "index", "plan", "strategy", "action", "framework", "agenda", "act", "law", "day", "week", "guide", "toolkit",
    "policy", "principles", "guidelines", "protocol", "convention", "consultation", "event", "session", "working"}
# Capitalised in titles and headings, but no one's name: without a title before it ("Ambassador",
# "H.E."), a run holding one of these is not taken for a person.
_TITLE_WORDS = {
    "regional", "cooperation", "national", "international", "global", "annual", "senior", "officials", "ministerial",
    "human", "rights", "trafficking", "persons", "people", "smuggling", "related", "transnational", "crime", "asia",
    "pacific", "support", "protection", "victim", "victims", "migration", "migrants", "refugees", "border", "borders",
    "management", "security", "labour", "labor", "forced", "criminality", "online", "scam", "scams", "returns",
    "reintegration", "planning", "preparedness", "disruption", "criminal", "networks", "legal", "frameworks",
    "foreign", "affairs", "home", "interior", "justice", "law", "enforcement", "co-chairs", "co-chairs'", "chairs",
    "member", "members", "states", "state", "observer", "observers", "united", "republic", "kingdom", "democratic",
    "south", "north", "east", "west", "new", "sea", "bay", "islands", "island", "strategy", "declaration", "statement",
    "report", "summary", "news", "update", "overview", "introduction", "background", "recommendations", "outcomes",
    "next", "steps", "key", "points", "way", "forward", "work", "plan", "first", "second", "third", "fourth", "fifth",
    "sixth", "seventh", "eighth", "ninth", "tenth", "virtual", "joint", "special", "technical", "experts", "expert"}
_REGIONS = {"asia", "pacific", "europe", "africa", "america", "americas", "oceania", "middle", "southeast", "south-east",
            "mekong", "andaman", "indian", "ocean", "gulf", "region"}
_PLACE_PREPOSITION = re.compile(r"\b(?:in|at|to|from|near|venue)\s+(?:the\s+)?$", re.I)
_REASON = re.compile(r"\b(?:because(?: of)?|due to|owing to|as a result of|in order to|so that|given that|"
                     r"to address|to help|to ensure|to support|to strengthen|to improve|to respond to|to enable|"
                     r"to develop|to dismantle|to prevent|to protect|to combat|to reduce)\b", re.I)
_CLAUSE_END = re.compile(r"[;:.]|,\s+(?:and|but|which|while|who)\b")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def find_span(question: str, kind: str | None, sentence: str, long_forms: tuple[str, ...] = ()) -> Span | None:
    """Where in `sentence` the short answer to `question` stands; None when the sentence holds
    nothing of the kind asked for. A question of no kind gets its clause, or the sentence."""
    if kind is None:
        return _clause(question, sentence)
    if kind == "definition":
        return _definition(question, sentence, long_forms)
    return _FINDERS[kind](question, sentence)


# ------------------------------------------------------------------ finders


def _not_in_question(question: str, spans: list[Span], sentence: str) -> list[Span]:
    """Candidates the question does not already name ("In 2023, where..." is not answered by 2023)."""
    asked = question.lower()
    return [s for s in spans if sentence[s.start:s.end].lower() not in asked]


def _shares_stem(a: str, b: str) -> bool:
    """"Indonesian" and "Indonesia" are one word here (a shared stem of five letters or more)."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and (a.startswith(b) or b.startswith(a)))


@lru_cache(maxsize=1024)  # asked once per candidate span of every sentence: once per question is enough
def _asked_stems(question: str) -> frozenset[str]:
    """The question's content words, light-stemmed."""
    return frozenset(light_stems(" ".join(w for w in _WORDS.findall(question) if w.lower() not in STOPWORDS)))


def _closeness(question: str, sentence: str, span: Span, reach: int = 45, asked: frozenset[str] | None = None) -> int:
    asked = _asked_stems(question) if asked is None else asked
    around = light_stems(sentence[max(0, span.start - reach) : span.start] + " " + sentence[span.end : span.end + reach])
    return sum(any(_shares_stem(a, w) for w in around) for a in asked)


@lru_cache(maxsize=1024)
def _asked_names(question: str) -> frozenset[str]:
    """The question's capitalised words after its first ("Indonesia", "Australian"), light-stemmed."""
    words = _WORDS.findall(question)[1:]
    return frozenset(light_stem(w) for w in words if w[:1].isupper() and w.lower() not in STOPWORDS)


def _closest(question: str, sentence: str, spans: list[Span]) -> Span | None:
    """Of several candidates, the one with most of the question's words around it ("the
    Indonesian co-manager" is the name beside "(Indonesia)"), the first on a tie. Words right
    beside a candidate count first: in "Ms Anne Sheehan (Australia) and Mr Caka Alverdi Awal
    (Indonesia)" both names have "Indonesia" within reach, but only one has it beside it."""
    names = _asked_names(question)
    return max(spans, key=lambda s: (_closeness(question, sentence, s, NEAR_REACH, names),
                                     _closeness(question, sentence, s), -s.start), default=None)


# Characters either side of a candidate that count as "beside" it.
NEAR_REACH = 25
# What joins items of one list: "29 May and 4 December", "UNHCR, IOM and UNODC", "IOM and the RSO".
_COORDINATION = re.compile(r"(?:\s*\([^()]{1,20}\))?(?:(?:\s*,)?\s+(?:and|&)\s+(?:the\s+)?|\s*,\s*(?:the\s+)?)")


def _coordinated(sentence: str, chosen: Span, items: list[Span], keep=lambda span: True) -> Span:
    """The chosen span with the items of its kind joined to it by "and" or commas, when the
    list ends in "and": "29 May and 4 December 2015", "the AIC and UN Women"."""
    start, end, joined_by_and = chosen.start, chosen.end, False
    ordered = sorted(items, key=lambda s: s.start)
    grown = True
    while grown:
        grown = False
        for item in ordered:
            if item.start >= end and keep(item) and (m := _COORDINATION.fullmatch(sentence[end:item.start])):
                end, grown, joined_by_and = item.end, True, joined_by_and or "," not in m.group(0)
                break
            if item.end <= start and keep(item) and (m := _COORDINATION.fullmatch(sentence[item.end:start])):
                start, grown, joined_by_and = item.start, True, joined_by_and or "," not in m.group(0)
                break
    return Span(start, end) if joined_by_and else chosen


def _date(question: str, sentence: str) -> Span | None:
    found = _not_in_question(question, [Span(m.start(), m.end()) for m in _DATES.finditer(sentence)], sentence)
    if not found:
        return None
    # The most specific expressions ("18 March 2024" over "2024"), then the nearest the question's words.
    longest = max(s.end - s.start for s in found)
    chosen = _closest(question, sentence, [s for s in found if s.end - s.start >= min(longest, 8)])
    return _coordinated(sentence, chosen, found)


def _year(question: str, sentence: str) -> Span | None:
    found = _not_in_question(question, [Span(m.start(), m.end()) for m in _YEARS.finditer(sentence)], sentence)
    return _closest(question, sentence, found)


def _amount(question: str, sentence: str) -> Span | None:
    found = _not_in_question(question, [Span(m.start(), m.end()) for m in _AMOUNT.finditer(sentence)], sentence)
    return _closest(question, sentence, found) or _number(question, sentence)


def _number(question: str, sentence: str) -> Span | None:
    """The number counting what the question counts, with the counted noun when it follows
    ("how many members" -> "48 members"); years are dates, not counts."""
    # "3" of "3-4 December 2015" and "22" of "22 March 2016" are days, not counts.
    dates = [m.span() for m in _DATES.finditer(sentence) if not _YEARS.fullmatch(m.group(0))]
    candidates = [Span(m.start(), m.end()) for m in _NUMBER.finditer(sentence)
                  if not (_YEARS.fullmatch(m.group(0)) and not re.search(r"\byears?\b", question, re.I))
                  and not any(a <= m.start() < b for a, b in dates)]
    candidates = [c for c in _not_in_question(question, candidates, sentence) if sentence[c.start:c.end].strip()]
    if not candidates:
        return None
    counted = _counted_nouns(question)

    def counted_after(span: Span) -> Span:
        end = span.end
        for m in re.finditer(r"\s+([\w'’-]+)", sentence[span.end : span.end + 60]):
            word = m.group(1)
            if m.start() != end - span.end or (light_stem(word) not in counted and word.lower() not in _COUNT_NOUNS):
                break
            end = span.end + m.end()
        return Span(span.start, end)

    def counts_what_is_asked(span: Span) -> bool:
        return any(light_stem(w) in counted for w in _WORDS.findall(sentence[span.start : span.end]))

    extended = [counted_after(c) for c in candidates]
    chosen = max(extended, key=lambda s: (counts_what_is_asked(s), _closeness(question, sentence, s), -s.start))
    # "How many members and observers": "44 members and 16 observers" (a count of something else
    # the question asks for; "45 member states and 4 member organisations" answer "how many
    # member states" with the first alone).
    def counts_more(span: Span) -> bool:
        return bool(stems_of(span) & counted - stems_of(chosen))

    def stems_of(span: Span) -> set[str]:
        return {light_stem(w) for w in _WORDS.findall(sentence[span.start : span.end])}

    return _coordinated(sentence, chosen, extended, keep=counts_more) if counts_what_is_asked(chosen) else chosen


def _counted_nouns(question: str) -> set[str]:
    m = re.search(r"\bhow (?:many|much)\s+((?:[\w'’-]+\s+){0,4})", question, re.I) or \
        re.search(r"\b(?:number|count|total|percentage|share) of\s+((?:[\w'’-]+\s+){0,4})", question, re.I)
    words = []
    for word in _WORDS.findall(m.group(1)) if m else []:
        if word.lower() in _VERBS or (words and word.lower().endswith("ed")):
            break  # "how many members and observers took part": the counted words end at the verb
        words.append(word)
    return {light_stem(w) for w in words if w.lower() not in STOPWORDS}


_VERBS = {"did", "do", "does", "is", "was", "were", "are", "has", "have", "had", "will", "would", "can", "could",
          "took", "take", "takes", "went", "came", "met", "gave", "held", "sent", "made", "got", "saw"}


def _proper_runs(sentence: str, pattern: re.Pattern = _PROPER) -> list[Span]:
    out = []
    for m in pattern.finditer(sentence):
        text = sentence[m.start() : m.end()].rstrip(".,'’")
        if text:
            out.append(Span(m.start(), m.start() + len(text)))
    return out


def _people(sentence: str) -> list[Span]:
    """Names of people: after a title ("Ambassador Lynn Bell", "H.E. Dewi Kartika Sari"), or a
    capitalised run of two to four words none of which is a title, place or heading word."""
    titled = []
    for m in re.finditer(rf"(?:{_TITLES})\.?\s+({_NAME.pattern})", sentence):
        start, text = m.start(1), m.group(1).rstrip(".,'’")
        # "Foreign Secretary Ambassador Masud Bin Momen": titles may stack.
        while (lead := re.match(rf"(?:{_TITLES})\.?\s+", text)) is not None:
            start, text = start + lead.end(), text[lead.end():]
        if text and not any(s.start <= start < s.end for s in titled):
            titled.append(Span(start, start + len(text)))
    if titled:
        return [t for t in titled if len(sentence[t.start:t.end].split()) >= 2] or titled
    out = []
    for span in _proper_runs(sentence, _NAME):
        words = [w.lower().strip(".,'’") for w in sentence[span.start:span.end].split()]
        if not 2 <= len(words) <= 4 or any(w in _NOT_PERSON or w in _TITLE_WORDS for w in words):
            continue
        before = sentence[max(0, span.start - 40) : span.start]
        # "the Global Slavery Index" is a thing and "in Kuala Lumpur" a place: people come bare.
        if re.search(r"\b(the|in|at|to|from|of)\s+$", before.lower()):
            continue
        # "...Welfare and Overseas Employment" ends a body's name; "Colombo, Sri Lanka" a place.
        if re.search(r"[A-Z][\w'’]*(?:\s+and|,)\s+$", before):
            continue
        out.append(span)
    return out


def _person(question: str, sentence: str) -> Span | None:
    return _closest(question, sentence, _not_in_question(question, _people(sentence), sentence))


def _agent(question: str, sentence: str) -> Span | None:
    """Who did it: a person when the sentence names one, else a body or a country, or the
    bodies it names together ("led by the AIC and UN Women"): "who" can be several."""
    person = _person(question, sentence)
    if person is not None:
        return person
    found = _organisations(question, sentence)
    chosen = _closest(question, sentence, found)
    return _coordinated(sentence, chosen, found) if chosen else None


def _organisation(question: str, sentence: str) -> Span | None:
    return _closest(question, sentence, _organisations(question, sentence))


def _organisations(question: str, sentence: str) -> list[Span]:
    asked = light_stems(question)
    found = []
    for span in _proper_runs(sentence):
        words = {w.lower() for w in _WORDS.findall(sentence[span.start:span.end])}
        # "The Co-chairs of the Bali Process" only echoes "Who co-chaired the Bali Process...?"
        if words & _ORG_WORDS and not {light_stem(w) for w in words} <= asked | {"the", "of", "co"}:
            found.append(span)
    found += [Span(m.start(), m.end()) for m in _ACRONYM.finditer(sentence)
              if len(m.group(0)) >= 2 and not _ROMAN.fullmatch(m.group(0))]  # "Track II" is no body
    return _not_in_question(question, found, sentence)


def _place(question: str, sentence: str) -> Span | None:
    """A place after "in", "at"...: "Bangkok, Thailand" whole for "where", the country alone for
    "which country", the city alone for "which city"."""
    wants = "country" if re.search(r"\bcountry\b", question, re.I) else \
        "city" if re.search(r"\b(city|town|capital)\b", question, re.I) else "place"
    found = []
    for m in _PLACE.finditer(sentence):
        if not _PLACE_PREPOSITION.search(sentence[max(0, m.start() - 12) : m.start()]):
            continue
        words = [w.lower() for w in _WORDS.findall(m.group(1))]
        if not words or any(w in _NOT_PLACES or w in _MONTHS for w in words) or _DATES.fullmatch(m.group(1)):
            continue
        if len(words) > 1 and m.group(1).isupper():  # a page banner in capitals, not a place
            continue
        if wants != "place" and any(w in _REGIONS for w in words):
            continue  # "in the Asia and Pacific region" names no city or country
        city, country = Span(m.start(1), m.end(1)), Span(m.start(2), m.end(2)) if m.group(2) else None
        if wants == "country":
            found.append(country or city)
        elif wants == "city" or country is None:
            found.append(city)
        else:
            found.append(Span(city.start, country.end))
    return _closest(question, sentence, _not_in_question(question, found, sentence))


def _list(question: str, sentence: str) -> Span | None:
    """A run of two or more names joined by commas and "and"."""
    item = rf"(?:(?:the\s+)?{_CAP}(?:\s+(?:{_JOIN}\s+)?{_CAP}){{0,6}}(?:\s+\([^()]{{1,40}}\))?|[A-Z]{{2,}})"
    pattern = re.compile(rf"{item}(?:\s*,\s*{item})*(?:\s*,?\s+(?:and|or)\s+{item})")
    found = []
    for m in pattern.finditer(sentence):
        text = m.group(0).rstrip(".,;:")
        if ("," in text or " and " in text or " or " in text) and not text.isupper():
            found.append(Span(m.start(), m.start() + len(text)))
    found = _not_in_question(question, found, sentence)
    return max(found, key=lambda s: s.end - s.start, default=None) or _organisation(question, sentence)


def _definition(question: str, sentence: str, long_forms: tuple[str, ...] = ()) -> Span | None:
    lowered = sentence.lower()
    for form in long_forms:
        at = lowered.find(form.lower())
        if at >= 0:
            return Span(at, at + len(form))
    return None


def _reason(question: str, sentence: str) -> Span | None:
    """The reason after "because", "due to"... (without the cue), or the purpose "to ..." (with it)."""
    m = _REASON.search(sentence)
    if m is None:
        return _clause(question, sentence)
    start = m.start() if m.group(0).lower().startswith(("to ", "in order to", "so that")) else m.end()
    start += len(sentence[start:]) - len(sentence[start:].lstrip())
    end = _CLAUSE_END.search(sentence, m.end())
    return Span(start, end.start() if end else len(sentence.rstrip(". ")))


def _clause(question: str, sentence: str) -> Span:
    """For a "what" question: the part of the sentence after the last word it shares with the
    question, when that is a clause of a few words; else the whole sentence."""
    asked = _asked_stems(question)
    words = list(_WORDS.finditer(sentence))
    last = max((i for i, w in enumerate(words) if light_stem(w.group(0)) in asked), default=None)
    whole = Span(0, len(sentence.rstrip()))
    if last is None or last >= len(words) - 2:
        return whole
    rest = words[last + 1 :]
    while rest and rest[0].group(0).lower() in STOPWORDS | {"to", "that", "as"}:
        rest = rest[1:]
    if len(rest) < 2:
        return whole
    end = _CLAUSE_END.search(sentence, rest[0].start())
    return Span(rest[0].start(), end.start() if end else len(sentence.rstrip(". ")))


_FINDERS = {"date": _date, "year": _year, "number": _number, "amount": _amount, "person": _person, "agent": _agent,
            "organisation": _organisation, "place": _place, "list": _list, "reason": _reason}
