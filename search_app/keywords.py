"""The keyword side of retrieval, and the word statistics the answer picker reads.

A generation built with a BM25 impact index (indexer/bm25.py) is searched there by
ImpactRetriever: a query adds up the stored scores of its terms. An older generation without
one is searched by FtsRetriever over SQLite FTS5, with the query made safe and a bound on the
rows scored at any index size. Both take the prepared query (its acronyms' long forms count
at EXPANSION_WEIGHT) and return chunk id -> score.
"""

from __future__ import annotations

import bisect
import math
import re
import threading

from indexer.bm25 import ImpactIndex
from indexer.generation import Generation
from indexer.terms import STOPWORDS, extract_terms, query_words

from .query import PreparedQuery, Scope

# FTS5 fallback: FTS5 scores every row an OR query matches, about 1 µs a row (bench/scale.py:
# 110 ms for a typical query at 250k passages). On an index this large or larger, the commonest
# words of a query are left to the dense side until what remains matches at most this many
# rows, so a keyword query stays bounded at any size; smaller indexes never drop a word. The
# impact index needs no such bound.
KEYWORD_ROW_BUDGET = 20_000
# The words of an acronym's long form weigh this much each against a query word's 1.0 in the
# impact index (FTS5 matched the long form as one phrase; here it is a bag of words).
# bench/tune_keywords.py, 0.25 / 0.5 / 1.0: SciFact dev hybrid nDCG@10 0.884 / 0.885 / 0.884,
# own questions hybrid hit@1 0.733 / 0.767 / 0.767.
EXPANSION_WEIGHT = 0.5
DF_CACHE_SIZE = 100_000

_WORD = re.compile(r"\w+")


def fts_parts(query: str, phrases: tuple[str, ...] = ()) -> list[str]:
    """The quoted words and phrases of an FTS5 OR query for `query`. Quoting makes it unable
    to be a syntax error: user text like `"` or `AND OR NOT (` is only ever words. `phrases`
    (long forms of the query's acronyms) join as whole phrases."""
    parts = ['"' + " ".join(_WORD.findall(p)) + '"' for p in phrases if _WORD.search(p)]
    for term in query_words(query):
        words = [w for w in re.split(r"[-'’‐‑]", term) if w]
        if len(words) > 1:  # TEG-RR: the phrase, and each part that is not a stopword
            parts.append('"' + " ".join(words) + '"')
            words = [w for w in words if w not in STOPWORDS] or words
        parts.extend(f'"{w}"' for w in words)
    # Terms come from \w runs, so they never contain a quote that could end the string.
    return list(dict.fromkeys(parts))


def fts_query(query: str, phrases: tuple[str, ...] = ()) -> str | None:
    parts = fts_parts(query, phrases)
    return " OR ".join(parts) if parts else None


def impact_weights(query: str, expansions: tuple[str, ...] = ()) -> dict[str, float]:
    """Index terms of a query with their weights: 1.0 for the query's own, EXPANSION_WEIGHT
    for the words of its acronyms' long forms. A term counts once, however often it occurs."""
    weights = dict.fromkeys(extract_terms(query), 1.0)
    for phrase in expansions:
        for term in extract_terms(phrase):
            weights.setdefault(term, EXPANSION_WEIGHT)
    return weights


class ImpactRetriever:
    """BM25 over a generation's impact index."""

    name = "keyword"

    def __init__(self, generation: Generation, impact: ImpactIndex | None = None):
        self.generation = generation
        self.impact = impact if impact is not None else generation.keyword_index

    def retrieve(self, query: PreparedQuery, n: int, scope: Scope) -> dict[int, float]:
        ids, scores = self.impact.search(impact_weights(query.text, query.expansions), n, scope.ids)
        return dict(zip(ids.tolist(), scores.tolist()))


class FtsRetriever:
    """BM25 over FTS5, for generations built before the impact index."""

    name = "keyword"

    def __init__(self, generation: Generation, stats: "WordStats"):
        self.generation = generation
        self.stats = stats

    def retrieve(self, query: PreparedQuery, n: int, scope: Scope) -> dict[int, float]:
        parts = fts_parts(query.text, query.expansions)
        if self.generation.chunk_count > KEYWORD_ROW_BUDGET:
            parts = self._within_budget(parts)
        if not parts:
            return {}
        return self.generation.fts_search(" OR ".join(parts), n, scope.filter)

    def _within_budget(self, parts: list[str]) -> list[str]:
        """The rarest parts whose matches add up to at most KEYWORD_ROW_BUDGET rows (at least
        one part is always kept)."""
        dfs = {part: self.stats.document_frequency(part) for part in parts}
        kept, total = [], 0
        for part in sorted(parts, key=lambda p: dfs[p]):
            if kept and total + dfs[part] > KEYWORD_ROW_BUDGET:
                break
            kept.append(part)
            total += dfs[part]
        return kept


class WordStats:
    """How many chunks of a generation hold a word, and the inverse document frequency the
    answer picker weighs words by. From the impact index when there is one, else counted by
    FTS5 once per word. Thread-safe."""

    def __init__(self, generation: Generation):
        self.generation = generation
        self.impact = generation.keyword_index
        self._df_cache: dict[str, int] = {}
        self._sorted_terms: list[str] | None = None
        self._lock = threading.Lock()

    def document_frequency(self, part: str) -> int:
        """Chunks holding a word, or a quoted FTS5 word or phrase (a phrase: its rarest word's
        count when the impact index answers, an upper bound)."""
        if self.impact is not None:
            terms = extract_terms(part)
            if terms:
                # "co-chairs" is its whole, "co-chair", which extract_terms gives after the parts.
                whole = [t for t in terms if "-" in t]
                return min(self.impact.document_frequency(t) for t in (whole or terms))
            # Only stopwords, which the impact index leaves out: FTS5 still counts them.
        if not part.startswith('"'):
            part = fts_query(part) or ""
            if not part:
                return 0
        with self._lock:
            df = self._df_cache.get(part)
        if df is None:
            df = self.generation.fts_count(part)
            with self._lock:
                if len(self._df_cache) >= DF_CACHE_SIZE:
                    self._df_cache.clear()
                self._df_cache[part] = df
        return df

    def has_prefix(self, prefix: str) -> bool:
        """Whether any index term begins with `prefix` (lower case): the impact index's
        vocabulary, sorted once; FTS5's prefix query without one (which stems the prefix)."""
        if self.impact is None:
            quoted = prefix.replace('"', '""')
            return self.generation.fts_count(f'"{quoted}"*') > 0
        terms = self.sorted_terms()
        at = bisect.bisect_left(terms, prefix)
        return at < len(terms) and terms[at].startswith(prefix)

    def sorted_terms(self) -> list[str]:
        """The impact index's vocabulary in order, sorted on first call (~1 s at 1M chunks: the
        live index calls it before it swaps a generation in, off the query path)."""
        if self.impact is None:
            return []
        with self._lock:
            if self._sorted_terms is None:
                self._sorted_terms = sorted(self.impact.vocabulary)
            return self._sorted_terms

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a term over chunks (rare words weigh more)."""
        df = self.document_frequency(term) if _WORD.search(term) else 0
        n = max(1, self.generation.chunk_count)
        return math.log(1.0 + n / (1.0 + df))


def keyword_retriever(generation: Generation, stats: WordStats):
    """The keyword retriever a generation supports: its impact index, else FTS5."""
    return ImpactRetriever(generation) if generation.keyword_index is not None else FtsRetriever(generation, stats)
