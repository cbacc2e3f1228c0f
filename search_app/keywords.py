"""The keyword side of retrieval: SQLite FTS5 (BM25) over one generation's chunks, with
the query made safe, acronyms expanded, and a bound on the rows scored at any index size.

Also the word statistics the answer picker reads (inverse document frequency).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter

from indexer.generation import Generation

from .acronyms import find_definitions, query_acronyms

# BM25 column weights: passage text, section heading, document title.
FTS_WEIGHTS = (1.0, 0.2, 0.1)
# FTS5 scores every row an OR query matches, about 1 µs a row (bench/scale.py: 110 ms for a
# typical query at 250k passages). On an index this large or larger, the commonest words of a
# query are left to the dense side until what remains matches at most this many rows, so a
# keyword query stays bounded at any size; smaller indexes never drop a word.
KEYWORD_ROW_BUDGET = 20_000
DF_CACHE_SIZE = 100_000
# Acronym long forms looked up per query: at most this many definitions are read, and a
# generation remembers this many acronyms.
ACRONYM_SCAN_CHUNKS = 50
ACRONYM_CACHE_SIZE = 4096
# A query with more content words than this carries its own context: its acronyms are not
# expanded (SciFact claims outside the test set: 0.879 expanding all, 0.880 with this bound;
# our own questions: no change).
EXPAND_MAX_TERMS = 8

# Common words that only slow FTS down and blur BM25 (the dense side still reads them).
STOPWORDS = frozenset(
    """a an and are as at be been by did do does for from had has have how i in into is it its
    of on or over so than that the their them then there these they this those to under up
    was we were what when where which while who whom why will with would you your about""".split()
)
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



class KeywordIndex:
    """FTS5 searches and word statistics of one Generation, with per-generation caches.
    Thread-safe: requests share the caches across threads."""

    def __init__(self, generation: Generation):
        self.generation = generation
        self._acronym_cache: dict[str, tuple[str, ...]] = {}
        self._df_cache: dict[str, int] = {}
        self._lock = threading.Lock()

    def search(self, request, n: int, expansions: tuple[str, ...] = ()) -> dict[int, float]:
        """Chunk id -> BM25 score of the best n chunks for the request's query."""
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
        """Rows a quoted FTS5 word or phrase matches; counted once per generation (counting
        costs a tenth of scoring)."""
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
        match = fts_query(term)
        df = self.document_frequency(match) if match else 0
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
