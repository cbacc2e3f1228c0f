"""Whose date a date is. "When was the Fifth Ministerial Meeting held?" is not answered by
"...as directed by the Fifth Ministerial Conference and ... the convening of the Regional
Symposium in Bangkok (25-26 March 2015)": the date there is the Symposium's. A date belongs to
the last event a sentence names before it; so does a place ("Where will the group meet for the
second time?" is not answered by "The inaugural meeting ... was held ... in Manila")."""

from __future__ import annotations

import functools
import re

from indexer.terms import STOPWORDS, light_stem

from .closeness import Span
from .span_patterns import EVENT_WORDS, YEAR
from .naming import ORDINAL, meeting_ordinals, numbered_meetings

# Nouns that name an event a date can belong to: span_patterns.EVENT_WORDS, and a forum or a
# dialogue (bodies' words elsewhere). (Not "event", "session", "visit": "held as a two-day event
# on 22-23 March" is the meeting's own date.)
# ("held by video conference" says how, not at which other event.)
EVENT_NOUNS = re.compile(rf"(?<!video[- ])(?<!web[- ])\b(?:{'|'.join(sorted(EVENT_WORDS | {'forum', 'dialogue'}))})s?\b"
                         r"|\bsymposia\b", re.I)


def belongs_to_another_event(question: str, sentence: str, span: Span) -> bool:
    """Whether the date or place at `span` belongs to another event than the numbered meeting the
    question asks about: the sentence numbers other meetings before the date, not that one;
    or the sentence names the asked meeting before the date, and then another event in the
    date's clause. False when the question names no numbered meeting, or the sentence numbers
    none before the date (nothing to tell then)."""
    before = sentence[: span.start]
    # "When did the Network hold its first meeting?" is not answered by "established ... at its
    # Fifth Annual Meeting in Kuala Lumpur in November 2019": the sentence numbers another
    # meeting before the date, and not the one asked about.
    ordinals = _asked_ordinals(question)
    numbered = meeting_ordinals(before)
    if ordinals and numbered and not numbered & ordinals:
        return True
    wanted = _asked_meetings(question)
    if not wanted:
        return False
    # Where the sentence names the question's meeting: an ordinal of a wanted (number, series).
    ends = [m.end() for m in ORDINAL.finditer(before) if _first_meeting(before[m.start():]) & wanted]
    if not ends:
        return False
    # The meeting's own name runs a few words on ("Fifth Ministerial Conference"): skip it.
    name_end = ends[-1] + _name_length(before[ends[-1]:])
    # Another event in the date's own clause: "the Symposium in Bangkok (25-26 March 2015)", not
    # "the Sixth SOM in Bali, after a workshop in Jakarta, on 22 March 2016" (an aside between commas).
    clause_start = max([name_end, *(m.end() for m in _CLAUSE_BREAK.finditer(before))])
    return EVENT_NOUNS.search(before, clause_start) is not None


_CLAUSE_BREAK = re.compile(r"[,;:]\s")


# The question's side of these checks, read once per question, not once per candidate sentence.
@functools.lru_cache(maxsize=1024)
def _asked_meetings(question: str) -> frozenset[tuple[int, str]]:
    return frozenset(numbered_meetings(question))


@functools.lru_cache(maxsize=1024)
def _asked_ordinals(question: str) -> frozenset[int]:
    return frozenset(meeting_ordinals(question))


@functools.lru_cache(maxsize=1024)
def _asked_years(question: str) -> frozenset[tuple[str, str]]:
    return frozenset(years_of(question))


def _first_meeting(text: str) -> set[tuple[int, str]]:
    """The numbered meeting `text` starts with: numbered_meetings of its first ordinal's clause
    (up to 60 characters on, to the first full stop)."""
    m = ORDINAL.search(text)
    return numbered_meetings(text[: m.end() + 60].split(".", 1)[0]) if m else set()


def _name_length(text: str) -> int:
    """How far a meeting's name runs after its ordinal: to the end of its first event noun
    within five words ("Bali Process Ministerial Conference"), or nothing."""
    m = EVENT_NOUNS.search(text[:60])
    if m is None or len(text[: m.start()].split()) > 5:
        return 0
    acronym = _ACRONYM.match(text, m.end())  # "Senior Officials Meeting (SOM)"
    return acronym.end() if acronym else m.end()


_ACRONYM = re.compile(r"\s*\([A-Z][A-Za-z0-9&-]{1,9}\)")


# A thing of a year: "the core budget for 2023", "its budget in 2021", "the 2023 budget".
_OF_YEAR = re.compile(r"\b([A-Za-z][\w-]{2,})\s+(?:for|in|of)\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+([A-Za-z][\w-]{2,})\b")


def years_of(text: str) -> set[tuple[str, str]]:
    """(noun, year) of each thing the text gives a year: {("budget", "2023")}."""
    out = set()
    for m in _OF_YEAR.finditer(text):
        noun, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if noun.lower() not in STOPWORDS:
            out.add((light_stem(noun), year))
    return out


def gives_another_year(question: str, sentence: str) -> bool:
    """Whether the sentence gives a thing the question asks of one year ("the RSO's core budget
    for 2020") only for other years ("an RSO core budget for 2023")."""
    asked = _asked_years(question)
    if not asked or any(re.search(rf"\b{year}\b", sentence) for _, year in asked):
        return False  # the question's year is there: "the budget for 2019 and 2020"
    held = years_of(sentence)
    return any((theirs := {y for n, y in held if n == noun}) and year not in theirs for noun, year in asked)


# A question about what will happen: a statement may tell it before it happens.
_NOT_PAST = re.compile(r"\b(?:will|would|shall|plan\w*|expect\w*|due|schedul\w*|intend\w*)\b", re.I)


def numbers_another_meeting(question: str, title: str, sentence: str) -> bool:
    """Whether a statement whose title numbers another meeting than the one a question asks
    about (not what will happen at it) speaks of the question's only where the sentence names it:
    "How many participants attended the second meeting of the Network?" is not answered by the
    report of its first meeting ("... by 28 of the 34 participants"), though it plans the second."""
    asked = _asked_ordinals(question)
    if not asked or _NOT_PAST.search(question):
        return False
    titled = meeting_ordinals(title)
    return bool(titled) and not titled & asked and not meeting_ordinals(sentence) & asked


# A count of one year: "How many workshops were held in 2005?", "... for 2020?", "... in October
# 2010?", "... during 2023 alone?" (not "in 2021-2023", a span of years).
_ONE_YEAR = re.compile(r"\b(?:in|for|during)\s+(?:(?:early|late|mid-?)\s*)?(?:[A-Z][a-z]+\s+)?((?:19|20)\d\d)\b"
                       r"(?!\s*(?:-|–|/|to|and)\s*\d)|\b((?:19|20)\d\d)\s+alone\b", re.I)
# A year, also in "FY2022"; not a date's ("2023-11-09", stripped first: _years).
_YEAR = re.compile(rf"(?<!\d){YEAR}(?!\d)")
_ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
# A running total's start: "held under the Bali Process since April 2003".
_SINCE = re.compile(rf"\b[Ss]ince\s+(?:(?:early|late|mid-?)\s*)?(?:\d{{1,2}}\s+)?(?:[A-Z][a-z]+\s+)?({YEAR})\b")
# A year the question gives something else than the count: "since its founding in 2002",
# "the Declaration adopted in 2016", "the RSO, established in 2012".
_NOT_COUNT_YEAR = re.compile(r"\b(?:since|found\w*|establish\w*|adopt\w*|open\w*|launch\w*|set up|creat\w*|sign\w*)"
                             r"(?:\s+\w+){0,2}\s*$", re.I)


def _years(text: str) -> list[str]:
    return _YEAR.findall(_ISO_DATE.sub(" ", text))


def counts_another_year(question: str, sentence: str, before: str = "", date: str | None = None) -> bool:
    """Whether the sentence gives its count or amount for other years than the one the question
    asks about: "How many staff did the RSO have in 2016?" is not answered by "RSO staff: 17, up
    from nine when the Office opened in 2012", nor "... for 2010?" by "1,420 arrests for people
    smuggling in 2009", nor "... held in 2005?" by "22 workshops held since April 2003"; nor by a
    sentence of no year in a statement of 2027 ("Staff: 38"). The year asked in the sentence or
    the one `before` it, a statement of that year (whose "up from nine in 2012" compares with its
    own year's figure), or a sentence naming only years the question names too ("since 2012"):
    nothing to tell. (A sentence of no year may also come from the next year's statement, which
    reports on the year asked.)"""
    asked = {m.group(1) or m.group(2) for m in _ONE_YEAR.finditer(question)
             if not _NOT_COUNT_YEAR.search(question[max(0, m.start() - 30):m.start()])}
    if len(asked) != 1:
        return False
    year = next(iter(asked))
    published = date[:4] if date and date[:4].isdigit() else None
    held = _years(sentence)
    if year in held or year in _years(before):
        return False
    others = set(held) - set(_years(question))
    if published == year:  # its own year's figure, but for a running total since another year
        return bool(others & set(_SINCE.findall(sentence)))
    if held:
        return bool(others)
    return published is not None and published != str(int(year) + 1)
