"""Reranking stages (Stages.rerankers): each takes the fused candidates and returns them reordered.

DocumentMatch: a question that names a year or a meeting ("At the 2025 Senior Officials Meeting,
how many members...", "the Ninth Annual Meeting") is about the statement of that year or that
meeting, though several statements speak of the same thing: candidates from a document whose
title or date holds what the question names move up, by `weight` times the share of it held.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace

from indexer.terms import light_stem

from .naming import MEETING_WORDS, ORDINAL, initialisms, long_date

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_WORD = re.compile(r"[\w'’-]+")
# How much a full match adds to a fused score (which lies in [0, 1] for convex fusion); chosen
# on our development questions (bench/tune_rerank.py, 0 / 0.1 / 0.2 / 0.4: dev set 2 hit@1 0.667 /
# 0.682 / 0.691 / 0.706, answer accuracy 0.500 / 0.516 / 0.516 / 0.532; SciFact dev unchanged).
DOCUMENT_MATCH_WEIGHT = 0.4
# How much the newest of the candidates' documents gains over the oldest when the query names
# no occasion. Off: on our dev questions 0.05 changed nothing and 0.1 gave dev set 2 hit@1 +0.008
# but our own questions' answer accuracy -0.017 (bench/tune_rerank.py).
RECENCY_WEIGHT = 0.0


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\s+((?:19|20)\d\d)\b", re.I)
# "had trained since 2012", "risen since late 2008": a period's start, not the statement's occasion.
_SINCE = re.compile(rf"\b(?:since|until|till)\s+(?:(?:early|mid|late)[- ]?)?(?:(?:the|{_MONTHS})\s+)?$", re.I)


def named_occasion(query: str) -> list[str]:
    """The years and meeting names a query names ("2025", "march 2024", "ninth annual meeting"),
    lower case. A month named with its year tells apart two statements of one year; a year
    after "since" or "until" bounds a period and names no statement."""
    months = {m.start(2): f"{m.group(1).lower()} {m.group(2)}" for m in _MONTH_YEAR.finditer(query)}
    found = [months.get(m.start(), m.group(0)) for m in _YEAR.finditer(query)
             if not _SINCE.search(query, max(0, m.start() - 40), m.start())]
    words = _WORD.findall(query.lower())
    for i, word in enumerate(words):
        if ORDINAL.fullmatch(word):
            tail = [w for w in words[i + 1 : i + 4] if w in MEETING_WORDS]
            found.append(" ".join([word, *tail]))
    return found


_LATEST = re.compile(r"\b(latest|most recent(ly)?|newest|current(ly)?|now|today|to date|so far|as it stands|"
                     r"at present|presently)\b", re.I)


def asks_for_latest(query: str) -> bool:
    """Whether a query asks for what holds now ("the latest figure", "how many members now")."""
    return bool(_LATEST.search(query))


class DocumentMatch:
    """Boosts candidates whose document's title or date holds the year or meeting the query names;
    for a query that names none, `recency` times how new the candidate's document is among the
    candidates' (0 oldest, 1 newest: of statements saying the same thing, the latest holds), or
    `weight` times it when the query asks for the latest ("currently", "the most recent")."""

    def __init__(self, weight: float = DOCUMENT_MATCH_WEIGHT, recency: float = RECENCY_WEIGHT):
        self.weight = weight
        self.recency = recency
        self._described: dict[tuple[str, str], tuple[set[str], str]] = {}
        self._lock = threading.Lock()

    def rerank(self, query, candidates, generation):
        named = named_occasion(query.text)
        # "What is the latest member count?": the newest statement, as strongly as a named one.
        recency = self.weight if not named and asks_for_latest(query.text) else self.recency
        if not candidates or not (named or recency):
            return candidates
        spans = generation.chunk_spans([c.chunk for c in candidates])
        docs = {c.chunk: spans[c.chunk].doc_id for c in candidates if c.chunk in spans}
        bonus = self._shares(generation, docs, named) if named else self._newness(generation, docs, recency)
        boosted = [(c.score + bonus.get(docs.get(c.chunk), 0.0), c) for c in candidates]
        boosted.sort(key=lambda pair: (-pair[0], pair[1].chunk))
        return [replace(c, score=score) for score, c in boosted]

    def _shares(self, generation, docs: dict[int, str], named: list[str]) -> dict[str, float]:
        out = {}
        for doc_id in set(docs.values()):
            words = self._described_as(generation, doc_id)[0]
            held = sum(all(light_stem(w) in words for w in name.split()) for name in named)
            out[doc_id] = self.weight * held / len(named)
        return out

    def _newness(self, generation, docs: dict[int, str], weight: float) -> dict[str, float]:
        dates = {d: self._described_as(generation, d)[1] for d in set(docs.values())}
        dated = sorted({v for v in dates.values() if v})
        if len(dated) < 2:
            return {}
        rank = {v: i / (len(dated) - 1) for i, v in enumerate(dated)}
        return {d: weight * rank[v] for d, v in dates.items() if v}

    def _described_as(self, generation, doc_id: str) -> tuple[set[str], str]:
        """A document's title and date as words, and its date (ISO, "" when it has none)."""
        key = (generation.name, doc_id)
        with self._lock:
            known = self._described.get(key)
        if known is None:
            info = generation.document_info(doc_id)
            text = f"{info.title} {long_date(info.date)}" if info else ""
            words = {light_stem(w) for w in _WORD.findall(text.lower().replace("-", " "))}
            # "the sixth SOM" is the "Sixth ... Senior Officials Meeting".
            known = (words | set(_WORD.findall(text.lower())) | initialisms(info.title if info else ""),
                     (info.date or "") if info else "")
            with self._lock:
                if len(self._described) > 100_000:
                    self._described.clear()
                self._described[key] = known
        return known


# How much the best sentence's similarity to the query adds to a passage's fused score, among the
# first SENTENCE_DEPTH candidates. Chosen on development data (bench/tune_rerank.py, after
# DocumentMatch 0.4): weights 0 / 0.5 / 0.8 / 1.2 / 2 gave our own questions' hit@1 0.767 / 0.783 /
# 0.800 / 0.783 / 0.783, dev set 2's 0.730 / 0.738 / 0.746 / 0.738 / 0.754 (answer accuracy 0.643 /
# 0.659 / 0.659 / 0.651 / 0.651) and SciFact dev nDCG@10 0.8980 / 0.8983 / 0.9005 / 0.9009 / 0.8991.
# Measured again once /api/ask led with the answer's passage (tune_rerank.json, 0.5 / 0.8 / 1.2 /
# 2): own hit@1 0.883 / 0.883 / 0.883 / 0.900, dev set 2's 0.857 / 0.857 / 0.849 / 0.841 (answer
# accuracy 0.722 / 0.714 / 0.706 / 0.706), SciFact dev 0.8980 / 0.9003 / 0.9006 / 0.8988: 0.8 holds.
SENTENCE_MATCH_WEIGHT = 0.8
SENTENCE_DEPTH = 30


class SentenceMatch:
    """A passage holding one sentence that says what the query says ranks above one that only
    shares its topic: each of the first `depth` candidates gains `weight` times the best cosine
    between the query and its sentences' stored vectors (pooled at build time, so this reads
    SQLite and multiplies; nothing is encoded). Keyword-only searches have no query vector and
    pass through."""

    def __init__(self, weight: float = SENTENCE_MATCH_WEIGHT, depth: int = SENTENCE_DEPTH):
        self.weight = weight
        self.depth = depth

    def rerank(self, query, candidates, generation):
        if not candidates or not self.weight or query.vector is None:
            return candidates
        head, tail = candidates[: self.depth], candidates[self.depth :]
        vectors = generation.chunk_sentence_vectors([c.chunk for c in head])
        best = {cid: float((v @ query.vector).max()) for cid, v in vectors.items() if len(v)}
        boosted = sorted(((c.score + self.weight * best.get(c.chunk, 0.0), c) for c in head),
                         key=lambda pair: (-pair[0], pair[1].chunk))
        return [replace(c, score=score) for score, c in boosted] + tail
