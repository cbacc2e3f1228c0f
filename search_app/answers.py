"""Short answers: the sentence of the top passages that answers a question, with a citation
pointing at exactly that sentence and a calibrated confidence, or no answer at all.

Each sentence of the top passages is described by a few features: how much of the question's
rare vocabulary it covers (with the sentence before it as context), whether it holds the kind of
thing asked for (a date, a number, a name), whether it names what the question names, its own
embedding's similarity to the question and its passage's, and whether it is only a heading. A
linear ranker over them picks the sentence; a logistic model over the winner's features decides
whether to answer at all. Both are fitted by bench/calibrate_answers.py on our own development
questions (bench/questions.jsonl), never on benchmark test queries or the held-out questions.
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
# A sentence shorter than this is a heading or a fragment, not an answer.
MIN_ANSWER_WORDS = 4
# A line without a sentence's closing punctuation whose longer words are mostly capitalised
# is a heading or slide title ("A new impetus: Recommendations from the Fifth Ministerial Meeting").
HEADING_CAPITALS = 0.6
# A question word that most chunks contain ("Bali", "Process") names the whole corpus, not
# what the question is about: it is not an entity an answer must repeat. In units of
# Searcher.term_weight, log(1 + N / (1 + df)): below this, more than about half the chunks hold it.
COMMON_ENTITY_WEIGHT = 1.1
# The sentence ranker: weights for SentenceFeatures.ranking() in order (coverage, context gain,
# kind match, entity share, passage cosine, position, defines, sentence cosine, heading-like),
# fitted by bench/calibrate_answers.py on bench/questions.jsonl.
SELECTION = (2.233, 0.269, 1.297, 0.743, 0.555, -0.866, 0.806, 1.098, -0.593)
# Logistic calibration, fitted by bench/calibrate_answers.py on bench/questions.jsonl: weights
# for (bias, *SentenceFeatures.calibration()) = passage cosine, sentence coverage, passage
# coverage, kind match, missing name or number, sentence cosine, predicate coverage.
CALIBRATION = (-4.197, 3.217, 2.115, -0.223, -0.939, -4.465, 6.055, 3.091)
# Below this probability that the statements answer the question, we say so instead of guessing.
MIN_CONFIDENCE = 0.5

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
_NUMBER_WORD = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million)\b", re.I)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z]+|bin|van|de|[A-Z]\.))+")
_WORD = re.compile(r"\w+")
# "What does X stand for?": the question asks for an acronym's long form.
_DEFINITION = re.compile(r"\b(stand for|stands for|abbreviat\w*|acronym|mean|means|meaning|full (name|form))\b", re.I)
# A heading or slide title ends without a sentence's closing punctuation.
_CLOSED = re.compile(r"[.!?;\"'”’]$")


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
class SentenceFeatures:
    """What the ranker and the calibration know about one sentence."""

    coverage: float  # share of the question's rare vocabulary in the sentence
    context_gain: float  # what the sentence before adds to that share
    kind_match: float  # 1 holds the kind of thing asked for, -1 cannot, 0 not asked
    entity_share: float  # share of the question's names and numbers in the sentence or the one before
    passage_cosine: float
    position: float  # the passage's rank among the answer passages, from 0
    defines: float  # 1 if it spells out an acronym of the question
    sentence_cosine: float
    heading: float  # 1 if it reads as a heading or slide title, not a sentence
    passage_coverage: float
    predicate_coverage: float  # share of the question's other rare words (not names) in the sentence and the one before
    missing_entity: float  # 1 if a name or number of the question is nowhere in the passage or its document's title and date

    def ranking(self) -> tuple[float, ...]:
        return (self.coverage, self.context_gain, self.kind_match, self.entity_share, self.passage_cosine,
                self.position, self.defines, self.sentence_cosine, self.heading)

    def calibration(self) -> tuple[float, ...]:
        return (self.passage_cosine, self.coverage, self.passage_coverage, self.kind_match,
                self.missing_entity, self.sentence_cosine, self.predicate_coverage)


@dataclass(frozen=True)
class Candidate:
    """One sentence of an answer passage, with its features."""

    hit: Hit
    start: int  # offsets inside hit.text
    end: int
    features: SentenceFeatures

    @property
    def text(self) -> str:
        return self.hit.text[self.start : self.end]


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
    confidence = calibrated_confidence(candidate.features.calibration())
    if confidence < MIN_CONFIDENCE:
        return None
    hit, c = candidate.hit, candidate.hit.citation
    citation = Citation(c.doc_id, c.title, c.date, c.source, c.page, c.section,
                        c.start + candidate.start, c.start + candidate.end, c.url)
    return Answer(candidate.text, round(confidence, 3), citation)


def calibrated_confidence(features: tuple[float, ...], weights: tuple[float, ...] = CALIBRATION) -> float:
    z = weights[0] + sum(w * f for w, f in zip(weights[1:], features))
    return 1.0 / (1.0 + math.exp(-z))


def selection_score(features: SentenceFeatures, weights: tuple[float, ...] = SELECTION) -> float:
    return sum(w * f for w, f in zip(weights, features.ranking()))


def best_candidate(searcher: Searcher, question: str, hits: list[Hit],
                   weights: tuple[float, ...] = SELECTION) -> Candidate | None:
    candidates = answer_candidates(searcher, question, hits)
    return max(candidates, key=lambda c: selection_score(c.features, weights), default=None)


def answer_candidates(searcher: Searcher, question: str, hits: list[Hit]) -> list[Candidate]:
    """Every sentence of the top passages that could be an answer, with its features."""
    if not hits:
        return []
    # Word-level terms: "co-chairs" must meet "Co-Chairs" split into words in the sentence.
    terms = list(dict.fromkeys(w for t in query_terms(question) for w in _WORD.findall(t)))
    weights = {t: searcher.term_weight(t) for t in terms}
    kind = expected_kind(question)
    named_in_question = question_entities(question)
    entities = [e for e in named_in_question if e.isdigit() or searcher.term_weight(e) >= COMMON_ENTITY_WEIGHT]
    # "Who founded the Walk Free Foundation?": the names may be there while "founded" is not.
    named = {_stem(w) for e in named_in_question for w in _WORD.findall(e)}
    predicates = [t for t in terms if _stem(t) not in named]
    # A question about an acronym is answered by the sentence that spells it out.
    long_forms = [e.lower() for e in searcher.expansions(question)] if asks_for_definition(question) else []
    query_vector = searcher.query_vector(question)
    out: list[Candidate] = []
    for position, hit in enumerate(hits[:ANSWER_PASSAGES]):
        cosine = hit.dense_score if hit.dense_score is not None else searcher.cosine(question, hit)
        passage_words = _stems(hit.text)
        passage_coverage = _coverage(terms, weights, passage_words)
        # "the 2016 meeting" is a 2016 statement even if no sentence repeats the year.
        described = passage_words | _stems(f"{hit.citation.title} {hit.citation.date or ''}")
        missing_entity = float(not all(_mentions(described, e) for e in entities))
        spans, previous = [], set()
        for start, end in split_sentences(hit.text):
            sentence = hit.text[start:end]
            words = _stems(sentence)
            # "Penalties for these offenses..." answers about the Act the sentence before
            # names: the previous sentence lends its words.
            context, previous = words | previous, words
            if len(sentence.split()) < MIN_ANSWER_WORDS:
                continue
            coverage = _coverage(terms, weights, words)
            features = dict(
                coverage=coverage,
                context_gain=_coverage(terms, weights, context) - coverage,
                kind_match=_kind_match(kind, sentence),
                entity_share=sum(_mentions(context, e) for e in entities) / len(entities) if entities else 1.0,
                passage_cosine=cosine, position=float(position),
                defines=float(any(form in sentence.lower() for form in long_forms)),
                heading=float(is_heading(sentence)),
                passage_coverage=passage_coverage, missing_entity=missing_entity,
                predicate_coverage=_coverage(predicates, weights, context) if predicates else 1.0,
            )
            spans.append((start, end, features))
        if not spans:
            continue
        for (start, end, features), vector in zip(spans, _sentence_vectors(searcher, hit, spans)):
            sentence_cosine = float(vector @ query_vector)
            out.append(Candidate(hit, start, end, SentenceFeatures(sentence_cosine=sentence_cosine, **features)))
    return out


def _sentence_vectors(searcher: Searcher, hit: Hit, spans) -> list:
    """Each sentence's vector: as the indexer stored it (pooled in its passage's context),
    else embedded now."""
    stored = searcher.stored_sentence_vectors(hit)
    base = hit.citation.start
    vectors = [stored.get((base + a, base + b)) for a, b, _ in spans]
    missing = [i for i, v in enumerate(vectors) if v is None or not v.any()]
    if missing:
        embedded = searcher.sentence_vectors([hit.text[spans[i][0] : spans[i][1]] for i in missing])
        for i, vector in zip(missing, embedded):
            vectors[i] = vector
    return vectors


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
    return len(query_terms(question)) <= 3 or bool(_DEFINITION.search(question))


def _kind_match(kind: str | None, sentence: str) -> float:
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


@lru_cache(maxsize=65536)  # the hot spot of answer picking: the same words come back all the time
def _stem(word: str) -> str:
    # Light suffix folding, enough for "convictions"/"conviction", "trafficked"/"trafficking".
    word = word.lower()
    for suffix in ("ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _mentions(words: set[str], entity: str) -> bool:
    """Whether stemmed `words` name `entity`; "Australian" names "Australia" (a shared stem of
    five letters or more)."""
    stem = _stem(entity)
    if stem in words:
        return True
    return len(stem) >= 5 and any(len(w) >= 5 and (w.startswith(stem) or stem.startswith(w)) for w in words)


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def _coverage(terms: list[str], weights: dict[str, float], words: set[str]) -> float:
    total = sum(weights[t] for t in terms) or 1.0
    return sum(weights[t] for t in terms if _stem(t) in words) / total
