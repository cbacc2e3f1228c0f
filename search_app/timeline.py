"""A topic's timeline: every statement that addresses it, oldest first, each with its best
passages, a count by year, the first and latest mention, and a note when the latest is old.

A statement enters on relevance, not a fixed top-k: it must rank near the top for the topic
and hold the topic's meaning or words (its closest stored sentence vector, the share of the
topic's words one of its passages holds) above a floor. So a topic raised in 3 of 300
statements shows about 3 entries, and one no statement raises shows none. Both cut-offs were
chosen on development topics and SciFact claims outside the test qrels (bench/timeline.py --tune). A period in the query ("since 2020", "in 2016") filters by date and
the topic is followed without it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import date


from .errors import InvalidParameter, UnknownDocument
from .facets import count_facets
from .passages import cite
from .periods import Period, find_period, narrow
from .requests import SearchRequest
from .results import Hit, Passage


@dataclass(frozen=True)
class TimelinePolicy:
    # Passages ranked per timeline: statements beyond them cannot enter.
    depth: int = 200
    # A statement enters when both hold (Relevance): it ranks near the top for the topic (its
    # best fused score, 0-1 relative to the best candidates, plus half its word coverage reaches
    # min_rank_score), and it holds the topic's meaning or words in absolute terms (the mean of
    # its closest sentence's cosine and its word coverage reaches min_similarity). Chosen on
    # three development sets (bench/timeline.py --tune): the relative part finds statements on
    # paraphrased topics the absolute one misses, the absolute part keeps topics that no statement
    # raises empty.
    min_rank_score: float = 1.2
    min_similarity: float = 0.35
    # Best passages shown per statement.
    passages: int = 3
    # The latest mention is "old" when this many years older than the newest statement in scope.
    stale_years: int = 2


@dataclass(frozen=True)
class TimelineEntry:
    doc_id: str
    title: str
    date: str | None
    kind: str
    relevance: float  # the mean of its closest sentence's cosine and the topic words' coverage
    passages: list[Hit]


@dataclass(frozen=True)
class Timeline:
    query: str
    topic: str  # the query without its period
    period: Period | None
    took_ms: float
    entries: list[TimelineEntry] = field(default_factory=list)  # oldest first; undated last
    by_year: dict[str, int] = field(default_factory=dict)
    first: str | None = None
    latest: str | None = None
    # Set when the latest mention is old: the statements in scope dated after it.
    silent_since: int = 0
    stale: bool = False
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    generation: str = ""

    @property
    def note(self) -> str | None:
        """Said when the latest mention is old: a topic the statements have stopped raising."""
        if not self.stale or not self.entries:
            return None
        latest = next(e for e in reversed(self.entries) if e.doc_id == self.latest)
        later = "the one statement since does not" if self.silent_since == 1 else \
            f"the {self.silent_since} statements since do not"
        return f"The latest statement to address this is from {latest.date}; {later}."


def build_timeline(searcher, request: SearchRequest, policy: TimelinePolicy = TimelinePolicy()) -> Timeline:
    """The timeline of `request.query` within the request's filters (docs, dates, facets)."""
    started = time.perf_counter()
    request = request.validated()
    for doc_id in request.docs:
        if searcher.documents.info(doc_id) is None:
            raise UnknownDocument(doc_id)
    topic, period, dates, passages, relevance = rank_statements(searcher, request, policy)
    admitted = {doc for doc, r in relevance.items() if r.admitted(policy)}
    shown: dict[str, list[Passage]] = {}
    for p in passages:
        if p.doc_id in admitted and len(shown.setdefault(p.doc_id, [])) < policy.passages:
            shown[p.doc_id].append(p)
    entries = []
    for doc_id, doc_passages in shown.items():
        info = searcher.documents.info(doc_id)
        hits = cite(doc_passages, searcher.generation, searcher.documents, 1)
        entries.append(TimelineEntry(doc_id, info.title, info.date, info.kind, round(relevance[doc_id].similarity, 4), hits))
    entries.sort(key=lambda e: (e.date is None, e.date or "", e.doc_id))
    facets = count_facets([p for p in passages if p.doc_id in admitted], searcher.generation, searcher.documents)
    return _summarise(searcher, request, topic, period, entries, facets, dates, policy, started)


def rank_statements(searcher, request: SearchRequest, policy: TimelinePolicy = TimelinePolicy()):
    """(topic, period, (date_from, date_to), ranked passages, each ranked statement's Relevance):
    everything a timeline decides on, before its cut-offs."""
    topic, period = find_period(request.query)
    date_from, date_to = narrow(request.date_from, request.date_to, period)
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("q", f"the period {period.text!r} lies outside date_from/date_to")
    scoped = replace(request, query=topic, date_from=date_from, date_to=date_to, offset=0)
    passages = searcher.rank(scoped, policy.depth)[: policy.depth]
    return topic, period, (date_from, date_to), passages, statement_relevance(searcher, topic, passages, scoped.mode)


@dataclass
class Relevance:
    """What a statement's ranked passages show of the topic: the best fused score (relative to
    the query's best candidates), the closest sentence's cosine (meaning), and the largest
    share of the topic's words one passage holds (words)."""

    rank_score: float = 0.0
    meaning: float = -1.0
    words: float = 0.0

    @property
    def similarity(self) -> float:
        return (self.meaning + self.words) / 2

    def admitted(self, policy: TimelinePolicy) -> bool:
        return self.rank_score + self.words / 2 >= policy.min_rank_score and self.similarity >= policy.min_similarity


def statement_relevance(searcher, topic: str, passages: list[Passage], mode: str = "hybrid") -> dict[str, Relevance]:
    """Each ranked statement's Relevance to the topic. A chunk without stored sentence vectors
    (an index from before them) counts by its own vector."""
    if not passages:
        return {}
    prepared = searcher.preparer.prepare(topic)
    vector = searcher.encoder.query(prepared.dense_text)
    chunk_ids = [p.chunk for p in passages if p.chunk is not None]
    sentences = searcher.generation.chunk_sentence_vectors(chunk_ids)
    texts = searcher.generation.chunks(chunk_ids)
    topic_words = set(prepared.words)
    finder = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(topic_words, key=len, reverse=True))) + r")(?!\w)") \
        if topic_words else None
    found: dict[str, Relevance] = {}
    # Hybrid scores are 0-1 already; a keyword (BM25) or semantic (cosine) ranking is put on the
    # same footing relative to its best passage.
    top = max(p.score for p in passages) if mode != "hybrid" else 1.0
    for p in passages:
        r = found.setdefault(p.doc_id, Relevance())
        r.rank_score = max(r.rank_score, float(p.score) / top if top > 0 else 0.0)
        rows = sentences.get(p.chunk)
        if rows is not None and len(rows):
            r.meaning = max(r.meaning, float((rows @ vector).max()))
        elif p.dense is not None:
            r.meaning = max(r.meaning, float(p.dense))
        chunk = texts.get(p.chunk)
        if chunk is not None and finder is not None:
            r.words = max(r.words, len(set(finder.findall(chunk.text.lower()))) / len(topic_words))
    return found


def _summarise(searcher, request, topic, period, entries, facets, dates, policy, started) -> Timeline:
    by_year: dict[str, int] = {}
    for e in entries:
        if e.date:
            by_year[e.date[:4]] = by_year.get(e.date[:4], 0) + 1
    dated = [e for e in entries if e.date]
    first = dated[0].doc_id if dated else None
    latest = dated[-1].doc_id if dated else None
    silent_since, stale = 0, False
    if dated:
        later = [d for d in searcher.documents.listing() if d.date and d.date > dated[-1].date
                 and _in_scope(d, request, dates)]
        silent_since = len(later)
        if later:
            newest = max(d.date for d in later)
            stale = date.fromisoformat(newest) >= years_after(date.fromisoformat(dated[-1].date), policy.stale_years)
    took = round((time.perf_counter() - started) * 1000, 2)
    return Timeline(request.query, topic, period, took, entries, dict(sorted(by_year.items())), first, latest,
                    silent_since, stale, facets, searcher.generation.name)


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _in_scope(document, request: SearchRequest, dates) -> bool:
    date_from, date_to = dates
    if request.docs and document.doc_id not in request.docs:
        return False
    if date_from and document.date < date_from.isoformat():
        return False
    return not (date_to and document.date > date_to.isoformat())
