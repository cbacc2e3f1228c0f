"""The reason a "why" question asks for, where the sentence gives one by a cue: the cause after
"because", "due to", "attributed to" (without the cue); the purpose "to ...", "so that ..." (with
it, up to the next purpose); for "why is it a problem", what a thing leads to (", which can result
in ..."); else what a concern is at. None when the sentence gives no cue: spans.py then falls
back to the clause.

Preferring, among the candidate sentences, those that give a reason by a cue (as for names and
frequencies, spans.FALLBACKS) was measured and not kept: on the dev sets 3 fewer wrong answers
and 1 more near-miss declined, but 3 more answerable questions declined, 2 of them our own
questions' right answers.
"""

from __future__ import annotations

import re

from indexer.terms import STOPWORDS, light_stems

from .closeness import Span, asked_stems
from .span_patterns import CLAUSE_END, CONCERN, CONSEQUENCE, PURPOSE_END, REASON, WORDS

# "Why is it a problem when ...?", "Why does this matter?": the question asks what a thing leads
# to, not what causes it ("Why are migrant workers at risk?" asks the cause).
_ASKS_WHY_IT_MATTERS = re.compile(
    r"\bwhy\s+(?:is|are|was|were|would|could|might)\b.*\b(?:a\s+problem|an?\s+(?:concern|issue|risk|challenge)|"
    r"problematic|important|significant|harmful|dangerous)\b|\bwhy\s+(?:does|did|do)\s+(?:it|this|that)\s+matter\b",
    re.I)
# A concern's objects run on past ", and" ("at the scale of ..., strong links to ..., and grave
# harm"): they end at a sentence's or a list item's end, not at a decimal point ("1.5 million").
_CONCERN_END = re.compile(r"[;.](?=\s|$)")
# A cause ends where the sentence turns to what it led to: "thanks to weak regulation, leading to ...".
_CAUSE_END = re.compile(rf"{CLAUSE_END.pattern}|,\s+(?:leading|resulting)\b|\s+(?:which|that)\s+(?:led|leads|resulted)\b")


def reason_span(question: str, sentence: str) -> Span | None:
    consequence = CONSEQUENCE.search(sentence)
    if consequence and _ASKS_WHY_IT_MATTERS.search(question) and not _echoes(question, sentence[consequence.end():]):
        return _up_to(sentence, consequence.end(), CLAUSE_END)
    m = REASON.search(sentence)
    if m is None:
        concern = CONCERN.search(sentence)
        return _up_to(sentence, concern.end(), _CONCERN_END) if concern else None
    purpose = m.group(0).lower().startswith(("to ", "in order to", "so that"))
    # A purpose keeps its "to" ("to develop contingency planning"), not "in order".
    start = (m.start() + (len("in order ") if m.group(0).lower().startswith("in order to") else 0)) if purpose else m.end()
    start += len(sentence[start:]) - len(sentence[start:].lstrip())
    return _up_to(sentence, start, PURPOSE_END if purpose else _CAUSE_END, m.end())


def _up_to(sentence: str, start: int, end_pattern: re.Pattern, search_from: int | None = None) -> Span:
    end = end_pattern.search(sentence, start if search_from is None else search_from)
    return Span(start, end.start() if end else len(sentence.rstrip(". ")))


def _echoes(question: str, text: str) -> bool:
    """Whether the question already says most of `text` ("Why is it a problem that it leads to
    lighter sentences?" against "resulting in lighter sentences"): then that is no answer to it."""
    words = light_stems(" ".join(w for w in WORDS.findall(text[:120]) if w.lower() not in STOPWORDS))
    return bool(words) and len(words & asked_stems(question)) >= len(words) / 2
