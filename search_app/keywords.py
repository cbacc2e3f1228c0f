"""The keyword side of retrieval: BM25 over one generation's chunks, with acronyms expanded.

A generation built with a BM25 impact index (indexer/bm25.py, `keywords/` in the generation
folder) is searched there: a query adds up the stored scores of its terms. An older generation
without one falls back to SQLite FTS5, with the query made safe and a bound on the rows scored
at any index size. Acronyms are looked up in FTS5 either way (a phrase query, once per acronym).

Also the word statistics the answer picker reads (inverse document frequency).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter

import numpy as np

from indexer.bm25 import ImpactIndex
from indexer.generation import Generation
from indexer.terms import STOPWORDS, extract_terms

from .acronyms import find_definitions, query_acronyms

# FTS5 fallback: BM25 column weights (passage text, section heading, document title).
FTS_WEIGHTS = (1.0, 0.2, 0.1)
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
# Acronym long forms looked up per query: at most this many definitions are read, and a
# generation remembers this many acronyms.
ACRONYM_SCAN_CHUNKS = 50
ACRONYM_CACHE_SIZE = 4096
# A query with more content words than this carries its own context: its acronyms are not
# expanded (SciFact claims outside the test set: 0.879 expanding all, 0.880 with this bound;
# our own questions: no change).
EXPAND_MAX_TERMS = 8

_TERM = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_WORD = re.compile(r"\w+")


def query_terms(query: str) -> list[str]:
    """Lower-cased content words of a query, in order, without duplicates."""
    # "Bangladesh's" is about Bangladesh: drop the possessive.
    terms = [re.sub(r"['’]s$", "", t.lower()) for t in _TERM.findall(query)]
    content = [t for t in terms if t not in STOPWORDS]
    return list(dict.fromkeys(content or terms))


def fts_parts(query: str, phrases: tuple[str, ...] = ()) -> list[str]:
    """The quoted words and phrases of an FTS5 OR query for `query`. Quoting makes it unable
    to be a syntax error: user text like `"` or `AND OR NOT (` is only ever words. `phrases`
    (long forms of the query's acronyms) join as whole phrases."""
    parts = ['"' + " ".join(_WORD.findall(p)) + '"' for p in phrases if _WORD.search(p)]
    for term in query_terms(query):
        words = [w for w in re.split(r"[-'’]", term) if w]
        if len(words) > 1:  # TEG-RR: the phrase, and each part that is not a stopword
            parts.append('"' + " ".join(words) + '"')
            words = [w for w in words if w not in STOPWORDS] or words
        parts.extend(f'"{w}"' for w in words)
    # Terms come from \w+ runs, so they never contain a quote that could end the string.
    return list(dict.fromkeys(parts))


def fts_query(query: str, phrases: tuple[str, ...] = ()) -> str | None:
    parts = fts_parts(query, phrases)
    return " OR ".join(parts) if parts else None


def filter_sql(request) -> tuple[str, list]:
    clauses, params = [], []
    if request.docs:
        clauses.append(f"c.doc_id IN ({','.join('?' * len(request.docs))})")
        params.extend(request.docs)
    if request.date_from:
        clauses.append("d.date >= ?")
        params.append(request.date_from.isoformat())
    if request.date_to:
        clauses.append("d.date <= ?")
        params.append(request.date_to.isoformat())
    return " AND ".join(clauses) or "1", params


def allowed_ids(generation: Generation, request) -> np.ndarray:
    """Chunk ids of the documents a filtered request leaves."""
    where, params = filter_sql(request)
    rows = generation.db.execute(
        f"SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {where}", params
    ).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def impact_weights(query: str, expansions: tuple[str, ...] = ()) -> dict[str, float]:
    """Index terms of a query with their weights: 1.0 for the query's own, EXPANSION_WEIGHT
    for the words of its acronyms' long forms. A term counts once, however often it occurs."""
    weights = dict.fromkeys(extract_terms(query), 1.0)
    for phrase in expansions:
        for term in extract_terms(phrase):
            weights.setdefault(term, EXPANSION_WEIGHT)
    return weights


class KeywordIndex:
    """Keyword searches and word statistics of one Generation: its BM25 impact index when it
    has one (`impact`, default the generation's), else FTS5; with per-generation caches.
    Thread-safe: requests share the index and the caches across threads."""

    def __init__(self, generation: Generation, impact: ImpactIndex | None = None):
        self.generation = generation
        self.impact = impact if impact is not None else generation.keyword_index
        self._acronym_cache: dict[str, tuple[str, ...]] = {}
        self._df_cache: dict[str, int] = {}
        self._lock = threading.Lock()

    def search(self, request, n: int, expansions: tuple[str, ...] = (), allowed: np.ndarray | None = None) -> dict[int, float]:
        """Chunk id -> BM25 score of the best n chunks for the request's query. `allowed`: the
        chunk ids the request's filters leave, when the caller has them already."""
        if self.impact is None:
            return self._search_fts(request, n, expansions)
        if request.filtered and allowed is None:
            allowed = allowed_ids(self.generation, request)
        ids, scores = self.impact.search(impact_weights(request.query, expansions), n, allowed)
        return dict(zip(ids.tolist(), scores.tolist()))

    def _search_fts(self, request, n: int, expansions: tuple[str, ...]) -> dict[int, float]:
        parts = fts_parts(request.query, expansions)
        if self._chunk_count() > KEYWORD_ROW_BUDGET:
            parts = self._within_budget(parts)
        if not parts:
            return {}
        match = " OR ".join(parts)
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        sql = f"SELECT f.rowid, -bm25(chunks_fts, {weights}) FROM chunks_fts f"
        params: list = [match]
        if request.filtered:
            where, fparams = filter_sql(request)
            sql += f" JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.doc_id = c.doc_id WHERE chunks_fts MATCH ? AND {where}"
            params += fparams
        else:
            sql += " WHERE chunks_fts MATCH ?"
        sql += f" ORDER BY bm25(chunks_fts, {weights}) LIMIT ?"
        params.append(n)
        return {int(r[0]): float(r[1]) for r in self.generation.db.execute(sql, params)}

    def _chunk_count(self) -> int:
        return int(self.generation.counts().get("chunks", 0))

    def _within_budget(self, parts: list[str]) -> list[str]:
        """The rarest parts whose matches add up to at most KEYWORD_ROW_BUDGET rows (at least
        one part is always kept)."""
        dfs = {part: self.document_frequency(part) for part in parts}
        kept, total = [], 0
        for part in sorted(parts, key=lambda p: dfs[p]):
            if kept and total + dfs[part] > KEYWORD_ROW_BUDGET:
                break
            kept.append(part)
            total += dfs[part]
        return kept

    def document_frequency(self, part: str) -> int:
        """Chunks holding a word, or a quoted FTS5 word or phrase. From the impact index when
        there is one (a phrase: its rarest word, an upper bound), else counted by FTS5 once per
        generation (counting costs a tenth of scoring)."""
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
            df = self.generation.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (part,)).fetchone()[0]
            with self._lock:
                if len(self._df_cache) >= DF_CACHE_SIZE:
                    self._df_cache.clear()
                self._df_cache[part] = df
        return df

    def term_weight(self, term: str) -> float:
        """Inverse document frequency of a term over chunks (rare words weigh more)."""
        df = self.document_frequency(term) if _WORD.search(term) else 0
        n = max(1, self._chunk_count())
        return math.log(1.0 + n / (1.0 + df))

    def expansions(self, query: str) -> tuple[str, ...]:
        """Long forms the statements give for the acronyms in a query ("TEG-RR" ->
        "Technical Experts Group on Returns and Reintegration"), most used first."""
        out: list[str] = []
        if len(query_terms(query)) > EXPAND_MAX_TERMS:
            return ()
        for acronym in query_acronyms(query):
            key = acronym.lower()
            with self._lock:
                known = self._acronym_cache.get(key)
            if known is None:
                known = self._define(acronym)
                with self._lock:
                    if len(self._acronym_cache) >= ACRONYM_CACHE_SIZE:
                        self._acronym_cache.clear()
                    self._acronym_cache[key] = known
            out.extend(known)
        return tuple(dict.fromkeys(out))

    def _define(self, acronym: str) -> tuple[str, ...]:
        words = _WORD.findall(acronym)
        if not words:
            return ()
        rows = self.generation.db.execute(
            "SELECT text FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?",
            ('"' + " ".join(words) + '"', ACRONYM_SCAN_CHUNKS),
        ).fetchall()
        counts = Counter(form for (text,) in rows for form in find_definitions(acronym, text))
        # Two at most: an acronym with more meanings than that is not worth expanding.
        return tuple(form for form, _ in counts.most_common(2))
