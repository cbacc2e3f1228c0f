"""What the answer picker reads off a question and a sentence, word by word: the ordinals,
numbers and names a question is about, the kind of answer it expects, whether a sentence is a
heading, holds the kind of thing asked for, names an entity, covers the question's words.
answers.py turns these into each sentence's features."""

from __future__ import annotations

import re

from indexer.terms import STOPWORDS, light_stem, query_words

from .naming import identifiers, long_date, meeting_ordinals, numbered_meetings
from .question_kinds import DEFINITION_CUE
from .results import Hit

# A line without a sentence's closing punctuation whose longer words are mostly capitalised
# is a heading or slide title ("A new impetus: Recommendations from the Fifth Ministerial Meeting").
HEADING_CAPITALS = 0.6
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
_NUMBER_WORD = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million)\b", re.I)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z]+|bin|van|de|[A-Z]\.))+")
_WORD = re.compile(r"\w+")
# A heading or slide title ends without a sentence's closing punctuation.
_CLOSED = re.compile(r"[.!?;\"'”’]$")


def question_identifiers(question: str) -> set[str]:
    """The ordinals and numbers a question names ("the Eleventh Annual Meeting", "2023")."""
    return identifiers(question, named_only=True)


def describes(hit: Hit, wanted: set[str], meetings: set[tuple[int, str]] = frozenset(),
              asked_meetings: set[int] = frozenset()) -> bool:
    """Whether a passage (with its statement's title and date) holds the ordinals and numbers a
    question names, and names none of its numbered meetings as another series' ("Eleventh Senior
    Officials Meeting" for "the Eleventh Ministerial Conference")."""
    text = f"{hit.text}. {hit.citation.title}. {long_date(hit.citation.date)}"
    if not wanted <= identifiers(text):
        return False
    # "Where did the Working Group hold its first meeting?": a first meeting, not a "First
    # Assistant Secretary" at the ninth.
    if asked_meetings and not asked_meetings <= meeting_ordinals(text):
        return False
    held = numbered_meetings(text)
    # For each number the question gives a meeting, the passage's meetings of that number (if it
    # names any) must include one of the question's series.
    for n in {n for n, _ in meetings}:
        theirs = {series for m, series in held if m == n}
        if theirs and not theirs & {series for m, series in meetings if m == n}:
            return False
    return True


def question_entities(question: str) -> list[str]:
    """Names and numbers the question is specifically about ("Nepal", "2030", "Ninth"): an
    answer that lacks one is usually about something else."""
    words = _WORD.findall(question)
    out = []
    for i, word in enumerate(words):
        if word.isdigit() or (i > 0 and word[:1].isupper() and word.lower() not in STOPWORDS):
            out.append(word)
    return out


def expected_kind(question: str) -> str | None:
    """What sort of thing the question asks for, if it says."""
    q = question.lower()
    # "when" asks for a date at the start of a question or before its verb, not in "came up
    # when delegates discussed".
    if re.search(r"^\s*when\b|\bwhen (is|was|were|did|do|does|will|has|have|had)\b|\b(what|which) (dates?|years?|days?|months?)\b"
                 r"|\bin what year\b|^\s*(dates?|years?) of\b", q):
        return "date"
    if re.search(r"\bhow (many|much|long|old)\b|\bwhat (number|percentage|share|amount)\b|^\s*(number|count|total) of\b", q):
        return "number"
    if re.search(r"\b(who|whom|whose)\b", q):
        return "name"
    return None


def is_heading(sentence: str) -> bool:
    """A title or a list's lead-in ("The RSO has been tasked to:"), which says what follows
    rather than answering anything."""
    text = sentence.rstrip()
    if text.endswith(":"):
        return True
    if _CLOSED.search(text):
        return False
    long_words = [w for w in _WORD.findall(text) if len(w) > 3 and not w.isdigit()]
    return bool(long_words) and sum(w[0].isupper() for w in long_words) / len(long_words) >= HEADING_CAPITALS


def asks_for_definition(question: str) -> bool:
    """A bare acronym ("TEG-RR"), or a question about what one stands for: the sentence that
    spells it out is the answer. An acronym merely mentioned in a longer question is context."""
    return len(query_words(question)) <= 3 or bool(DEFINITION_CUE.search(question))


def holds_kind(kind: str | None, sentence: str) -> float:
    """1 when the sentence holds the kind of thing asked for, -1 when it cannot, 0 when not asked."""
    if kind is None:
        return 0.0
    if kind == "date":
        found = _YEAR.search(sentence) or _MONTH.search(sentence)
    elif kind == "number":
        # "How many members" is not answered by the year in a heading.
        found = _NUMBER_WORD.search(sentence) or any(not _YEAR.fullmatch(d) for d in _DIGITS.findall(sentence))
    else:
        found = _NAME.search(sentence)
    return 1.0 if found else -1.0


def mentions(words: set[str], entity: str) -> bool:
    """Whether stemmed `words` name `entity`; "Australian" names "Australia" (a shared stem of
    five letters or more)."""
    root = light_stem(entity)
    if root in words:
        return True
    return len(root) >= 5 and any(len(w) >= 5 and (w.startswith(root) or root.startswith(w)) for w in words)


def weighted_coverage(terms: list[str], weights: dict[str, float], words: set[str]) -> float:
    total = sum(weights[t] for t in terms) or 1.0
    return sum(weights[t] for t in terms if covers(words, light_stem(t))) / total


def covers(words: set[str], stem: str) -> bool:
    """Whether `words` hold a stem, or the noun of whoever does it: "Who manages the programme?"
    is answered by "the Programme Manager", "who organised" by "the organiser"; "approve" is
    covered by "approved"."""
    # (Five letters at least: "form" is not covered by "former", nor "late" by "later".)
    if stem in words or (len(stem) >= 5 and (stem + "er" in words or stem.endswith("e") and stem + "r" in words)):
        return True
    # "announce" and "announced" fold to "announce" and "announc": a final e comes and goes.
    return len(stem) >= 5 and ((stem[:-1] in words) if stem.endswith("e") else (stem + "e" in words))
