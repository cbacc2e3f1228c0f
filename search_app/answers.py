"""Short answers: the sentence(s) of the top passages that answer a question, with a
citation pointing at exactly those sentences and a calibrated confidence, or no answer.

No extra model call: sentences are scored by how much of the question's rare vocabulary they
cover, by what kind of answer the question asks for (a date, a number, a name), and by the
retrieval score of their passage. The confidence is a logistic function of those features,
fitted on our own development questions (bench/questions.jsonl), never on test data.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

from indexer.chunking import split_sentences

from .searcher import Citation, Hit, SearchRequest, Searcher, query_terms

# Passages whose sentences compete for the answer.
ANSWER_PASSAGES = 3
# Logistic calibration of confidence (see bench/calibrate_answers.py): the weights of the
# passage's cosine similarity to the question and of term coverage, and the bias.
W_COSINE = 9.0
W_COVERAGE = 4.0
BIAS = -6.0
# Below this confidence we say "no answer" rather than guess.
MIN_CONFIDENCE = 0.5

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
_NUMBER = re.compile(r"\d")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


@dataclass(frozen=True)
class Answer:
    text: str
    confidence: float
    citation: Citation


@dataclass(frozen=True)
class AskResult:
    query: str
    took_ms: float
    answer: Answer | None
    passages: list[Hit] = field(default_factory=list)
    generation: str = ""


def answer_question(searcher: Searcher, request: SearchRequest) -> AskResult:
    """Search, then pick the answering sentence from the top passages (or abstain)."""
    started = time.perf_counter()
    result = searcher.search(request)
    answer = extract_answer(searcher, request.query, result.hits)
    took = (time.perf_counter() - started) * 1000
    return AskResult(result.query, round(took, 2), answer, result.hits, result.generation)


def _expected_kind(question: str) -> str | None:
    q = question.lower()
    if re.match(r"\s*(when|what (date|year|day|month)|which (date|year)|in what year)\b", q):
        return "date"
    if re.match(r"\s*(how (many|much|long|old)|what (number|percentage|share|amount))\b", q) or "how many" in q:
        return "number"
    if re.match(r"\s*(who|whom|whose)\b", q):
        return "name"
    return None


def _kind_bonus(kind: str | None, sentence: str) -> float:
    if kind == "date":
        return 1.0 if (_YEAR.search(sentence) or _MONTH.search(sentence)) else 0.0
    if kind == "number":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "name":
        return 1.0 if _NAME.search(sentence) else 0.0
    return 0.0


def _stem(word: str) -> str:
    # Light suffix folding, enough for "convictions"/"conviction", "trafficked"/"trafficking".
    for suffix in ("ings", "ing", "ions", "ion", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _coverage(terms: list[str], weights: dict[str, float], sentence: str) -> float:
    words = {_stem(w.lower()) for w in re.findall(r"\w+", sentence)}
    total = sum(weights[t] for t in terms) or 1.0
    return sum(weights[t] for t in terms if _stem(t) in words) / total


def extract_answer(searcher: Searcher, question: str, hits: list[Hit]) -> Answer | None:
    if not hits:
        return None
    terms = query_terms(question)
    weights = {t: searcher.term_weight(t) for t in terms}
    kind = _expected_kind(question)
    best = None
    for position, hit in enumerate(hits[:ANSWER_PASSAGES]):
        cosine = hit.dense_score if hit.dense_score is not None else searcher.cosine(question, hit)
        for start, end in split_sentences(hit.text):
            sentence = hit.text[start:end]
            coverage = _coverage(terms, weights, sentence)
            score = coverage + 0.3 * _kind_bonus(kind, sentence) - 0.1 * position + 0.5 * cosine
            if best is None or score > best[0]:
                best = (score, hit, start, end, coverage, cosine)
    if best is None:
        return None
    _, hit, start, end, coverage, cosine = best
    confidence = 1.0 / (1.0 + math.exp(-(W_COSINE * cosine + W_COVERAGE * coverage + BIAS)))
    if confidence < MIN_CONFIDENCE:
        return None
    c = hit.citation
    citation = Citation(c.doc_id, c.title, c.date, c.source, c.page, c.section, c.start + start, c.start + end, c.url)
    return Answer(hit.text[start:end], round(confidence, 3), citation)
