"""How near a candidate answer stands to what the question names, and the lists it belongs
to: the helpers every span finder (spans.py) shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.terms import STOPWORDS, light_stem, light_stems

from .span_patterns import WORDS

# Characters either side of a candidate that count as "beside" it.
NEAR_REACH = 25
# What joins items of one list: "29 May and 4 December", "UNHCR, IOM and UNODC", "IOM and the RSO";
# a list counts as joined only when "and" (or "&") is among its joints: "A, B, and C" too.
COORDINATION = re.compile(r"(?:\s*\([^()]{1,20}\))?(?:(?:\s*,)?\s+(?:and|&)\s+(?:the\s+)?|\s*,\s*(?:the\s+)?)")
AND = re.compile(r"\band\b|&")
# A question's first word that is no name ("Who ...", "According to ...").
QUESTION_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how", "name", "list", "in", "on",
                  "at", "according", "under", "during", "apart", "for", "with", "did", "does", "do", "is", "was",
                  "were", "are", "has", "have", "had", "will", "can"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def not_in_question(question: str, spans: list[Span], sentence: str) -> list[Span]:
    """Candidates the question does not already name ("In 2023, where..." is not answered by 2023)."""
    asked = question.lower()
    return [s for s in spans if sentence[s.start:s.end].lower() not in asked]


def shares_stem(a: str, b: str) -> bool:
    """"Indonesian" and "Indonesia" are one word here (a shared stem of five letters or more)."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and (a.startswith(b) or b.startswith(a)))


@lru_cache(maxsize=1024)  # asked once per candidate span of every sentence: once per question is enough
def asked_stems(question: str) -> frozenset[str]:
    """The question's content words, light-stemmed."""
    return frozenset(light_stems(" ".join(w for w in WORDS.findall(question) if w.lower() not in STOPWORDS)))


def closeness(question: str, sentence: str, span: Span, reach: int = 45, asked: frozenset[str] | None = None) -> int:
    asked = asked_stems(question) if asked is None else asked
    around = light_stems(sentence[max(0, span.start - reach) : span.start] + " " + sentence[span.end : span.end + reach])
    return sum(any(shares_stem(a, w) for w in around) for a in asked)


@lru_cache(maxsize=1024)
def asked_names(question: str) -> frozenset[str]:
    """The question's capitalised words ("Indonesia", "Australian"), light-stemmed; its first
    word only when it is not a question word ("Bangladesh foreign secretary who met...")."""
    words = WORDS.findall(question)
    if words and (words[0].lower() in STOPWORDS or words[0].lower() in QUESTION_WORDS):
        words = words[1:]
    return frozenset(light_stem(w) for w in words if w[:1].isupper() and w.lower() not in STOPWORDS)


def closest(question: str, sentence: str, spans: list[Span]) -> Span | None:
    """Of several candidates, the one with most of the question's words around it ("the
    Indonesian co-manager" is the name beside "(Indonesia)"), the first on a tie. Words right
    beside a candidate count first: in "Ms Anne Sheehan (Australia) and Mr Caka Alverdi Awal
    (Indonesia)" both names have "Indonesia" within reach, but only one has it beside it."""
    names = asked_names(question)
    return max(spans, key=lambda s: (closeness(question, sentence, s, NEAR_REACH, names),
                                     closeness(question, sentence, s), -distance(question, sentence, s), -s.start),
               default=None)


def distance(question: str, sentence: str, span: Span) -> int:
    """Characters between the span and the nearest of the question's words: of two dates with
    the same words around them ("... on 9 November, and the Seventh Annual Meeting on 10
    November"), the one the words stand right beside."""
    asked = asked_stems(question)
    gaps = [span.start - w.end() if w.end() <= span.start else w.start() - span.end
            for w in WORDS.finditer(sentence) if (w.end() <= span.start or w.start() >= span.end)
            and any(shares_stem(a, light_stem(w.group(0))) for a in asked)]
    return min(gaps, default=len(sentence))


def coordinated(sentence: str, chosen: Span, items: list[Span], keep=lambda span: True) -> Span:
    """The chosen span with the items of its kind joined to it by "and" or commas, when the
    list ends in "and": "29 May and 4 December 2015", "IOM and the RSO"."""
    start, end, joined_by_and = chosen.start, chosen.end, False
    ordered = sorted(items, key=lambda s: s.start)
    grown = True
    while grown:
        grown = False
        for item in ordered:
            if item.start >= end and keep(item) and (m := COORDINATION.fullmatch(sentence[end:item.start])):
                end, grown, joined_by_and = item.end, True, joined_by_and or AND.search(m.group(0)) is not None
                break
            if item.end <= start and keep(item) and (m := COORDINATION.fullmatch(sentence[item.end:start])):
                start, grown, joined_by_and = item.start, True, joined_by_and or AND.search(m.group(0)) is not None
                break
    return Span(start, end) if joined_by_and else chosen


# What bounds a figure or a time is part of it: "more than 5,000 officials", "approximately AUD
# 185,000", "early 2019", "mid-2020". Without it the short answer says something else. "Over" and
# "about" only where no verb owns them ("handed over 12 suspects", "talked about 45 victims").
_BOUND = re.compile(r"\b(?:(?:more|fewer|less|greater|higher|lower) than|approximately|almost|nearly|roughly|around|"
                    r"some|under|at least|at most|up to|in excess of|over|about)\s+$", re.I)
_PHRASAL = re.compile(r"\b(?:hand|take|turn|talk|bring|carry|think|learn|hear|know|care|worry|come|go|set|"
                      r"handed|took|taken|turned|talked|brought|carried|thought|learned|heard|knew|cared|came|went)\s+\w+\s+$",
                      re.I)
_WHEN_IN = re.compile(r"\b(?:early|mid|late)(?:\s+|-)$|\b(?:the )?(?:end|beginning|start|middle|first half|second half) of\s+$",
                      re.I)


def with_bound(sentence: str, span: Span, date: bool = False) -> Span:
    """The span with the words before it that bound it ("more than", or for a date "early")."""
    before = sentence[max(0, span.start - 40) : span.start]
    m = (_WHEN_IN if date else _BOUND).search(before)
    if m is None or (m.group(0).split()[0].lower() in ("over", "about") and _PHRASAL.search(before)):
        return span
    return Span(span.start - len(m.group(0)), span.end)
