"""Short answers: the sentence of the top passages that answers a question, with a citation
pointing at exactly that sentence and a calibrated confidence, or no answer at all.

No extra model call on the query path: sentences are scored by how much of the question's
rare vocabulary they cover, by whether they hold the kind of thing asked for (a date, a number,
a name), and by their passage's similarity to the question. Whether to answer at all is a
logistic model over a few features of the chosen sentence, fitted on our own development
questions by bench/calibrate_answers.py (never on benchmark test queries).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

from indexer.chunking import split_sentences

from .keywords import STOPWORDS, query_terms
from .searcher import Citation, Hit, Searcher, SearchRequest

# Passages whose sentences compete for the answer.
ANSWER_PASSAGES = 3
# How much the words of the sentence before count towards a sentence's coverage.
CONTEXT_WEIGHT = 0.5
# A sentence shorter than this is a heading or a fragment, not an answer.
MIN_ANSWER_WORDS = 4
# Logistic calibration, fitted by bench/calibrate_answers.py on bench/questions.jsonl:
# weights for (bias, passage cosine, sentence coverage, passage coverage, kind match, missing name
# or number).
CALIBRATION = (-3.070, 5.097, 0.011, 3.715, -0.847, -2.076)
# Below this probability that the statements answer the question, we say so instead of guessing.
MIN_CONFIDENCE = 0.5

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z]+|bin|van|de|[A-Z]\.))+")
_WORD = re.compile(r"\w+")


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
    total: int = 0


@dataclass(frozen=True)
class Candidate:
    """The best sentence for a question, with the features the calibration reads."""

    hit: Hit
    start: int  # offsets inside hit.text
    end: int
    cosine: float
    coverage: float
    passage_coverage: float
    kind_match: float
    missing_entity: float  # 1 if a name or number of the question is not in the sentence

    def features(self) -> tuple[float, ...]:
        return (self.cosine, self.coverage, self.passage_coverage, self.kind_match, self.missing_entity)


def answer_question(searcher: Searcher, request: SearchRequest) -> AskResult:
    """Search, then pick the answering sentence from the top passages (or abstain)."""
    started = time.perf_counter()
    result = searcher.search(request)
    answer = extract_answer(searcher, request.query, result.hits)
    took = (time.perf_counter() - started) * 1000
    return AskResult(result.query, round(took, 2), answer, result.hits, result.generation, result.total)


def extract_answer(searcher: Searcher, question: str, hits: list[Hit]) -> Answer | None:
    candidate = best_candidate(searcher, question, hits)
    if candidate is None:
        return None
    confidence = calibrated_confidence(candidate.features())
    if confidence < MIN_CONFIDENCE:
        return None
    hit, c = candidate.hit, candidate.hit.citation
    citation = Citation(c.doc_id, c.title, c.date, c.source, c.page, c.section,
                        c.start + candidate.start, c.start + candidate.end, c.url)
    return Answer(hit.text[candidate.start : candidate.end], round(confidence, 3), citation)


def calibrated_confidence(features: tuple[float, ...], weights: tuple[float, ...] = CALIBRATION) -> float:
    z = weights[0] + sum(w * f for w, f in zip(weights[1:], features))
    return 1.0 / (1.0 + math.exp(-z))


def best_candidate(searcher: Searcher, question: str, hits: list[Hit]) -> Candidate | None:
    if not hits:
        return None
    # Word-level terms: "co-chairs" must meet "Co-Chairs" split into words in the sentence.
    terms = list(dict.fromkeys(w for t in query_terms(question) for w in _WORD.findall(t)))
    weights = {t: searcher.term_weight(t) for t in terms}
    kind = expected_kind(question)
    entities = question_entities(question)
    # A question about an acronym is answered by the sentence that spells it out.
    long_forms = [e.lower() for e in searcher.expansions(question)]
    best: tuple[float, Candidate] | None = None
    for position, hit in enumerate(hits[:ANSWER_PASSAGES]):
        cosine = hit.dense_score if hit.dense_score is not None else searcher.cosine(question, hit)
        passage_words = _stems(hit.text)
        passage_coverage = _coverage(terms, weights, passage_words)
        previous: set[str] = set()
        for start, end in split_sentences(hit.text):
            sentence = hit.text[start:end]
            words = _stems(sentence)
            # "Penalties for these offenses..." answers about the Act the sentence before
            # names: the previous sentence lends its words at half weight.
            context, previous = words | previous, words
            if len(sentence.split()) < MIN_ANSWER_WORDS:
                continue
            coverage = _coverage(terms, weights, words)
            in_context = _coverage(terms, weights, context)
            kind_match = _kind_match(kind, sentence)
            entity_share = sum(_stem(e) in context for e in entities) / len(entities) if entities else 1.0
            defines = any(form in sentence.lower() for form in long_forms)
            score = (coverage + CONTEXT_WEIGHT * (in_context - coverage) + 0.3 * kind_match + 0.3 * entity_share
                     + 0.5 * cosine - 0.1 * position + 0.5 * defines)
            if best is None or score > best[0]:
                candidate = Candidate(hit, start, end, cosine, coverage, passage_coverage, kind_match,
                                      float(entity_share < 1.0))
                best = (score, candidate)
    return best[1] if best else None


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
    if re.search(r"\b(when|what (date|year|day|month)s?|which (date|year|day)s?|in what year|on what dates?)\b", q):
        return "date"
    if re.search(r"\b(how (many|much|long|old)|what (number|percentage|share|amount))\b", q):
        return "number"
    if re.search(r"\b(who|whom|whose)\b", q):
        return "name"
    return None


def _kind_match(kind: str | None, sentence: str) -> float:
    """1 when the sentence holds the kind of thing asked for, -1 when it cannot, 0 when not asked."""
    if kind is None:
        return 0.0
    if kind == "date":
        found = _YEAR.search(sentence) or _MONTH.search(sentence)
    elif kind == "number":
        found = _NUMBER.search(sentence)
    else:
        found = _NAME.search(sentence)
    return 1.0 if found else -1.0


@lru_cache(maxsize=65536)  # the hot spot of answer picking: the same words come back all the time
def _stem(word: str) -> str:
    # Light suffix folding, enough for "convictions"/"conviction", "trafficked"/"trafficking".
    word = word.lower()
    for suffix in ("ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def _coverage(terms: list[str], weights: dict[str, float], words: set[str]) -> float:
    total = sum(weights[t] for t in terms) or 1.0
    return sum(weights[t] for t in terms if _stem(t) in words) / total
