"""The keyword index of a generation: BM25 precomputed per (term, chunk), searched by adding
up a few columns.

    gen-000042/keywords/
      meta.json      parameters, counts, format
      vocab.json     the terms, in term id order
      indptr.npy     int64, terms + 1: term t's postings are [indptr[t], indptr[t + 1])
      indices.npy    int32, chunk positions (row numbers of ids.npy), ascending within a term
      data.npy       float32, the BM25 impact of the term in that chunk
      ids.npy        int64, chunk row id (SQLite, also FAISS id) of each position, ascending
      maxima.npy     float32, terms: each term's highest impact (bounds what a term can add)

Why not FTS5's bm25(): FTS5 scores every row an OR query matches at query time, about 1 µs a
row with its docsize lookups (3.5 ms a query at 9k chunks; at 1M it needed a row budget).
Here the score of a chunk is a sum of stored impacts, so a query costs a few numpy passes over
the postings of its terms (bench/keyword_speed.py, p50: 0.19 ms at 9k chunks, 3.4 ms at 1M,
where FTS5 took 3.5 and 15 ms, the latter with words dropped). Why not the `bm25s` package,
which stores the same matrix: its retrieve() adds into and arg-partitions a dense array of
every chunk's score for each query, which is quicker on a small index (0.09 ms) but slow on a
large one's common words (1M: p95 51 ms against 10, mean 11.6 against 4.2), and it has one
field where we weigh a chunk's heading and its document's title beside its text.

Scores are the sum over fields of each field's BM25 (as FTS5's bm25() with column weights),
with Lucene's always-positive idf over chunks holding the term in any field.
"""

from __future__ import annotations

import json
import threading
import time
from array import array
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .terms import TERMS_VERSION, extract_terms

KEYWORD_FORMAT = 2
_FILES = ("indptr.npy", "indices.npy", "data.npy", "ids.npy", "maxima.npy")


@dataclass(frozen=True)
class BM25Params:
    """BM25's term-frequency saturation k1 and length normalisation b, and each field's weight.

    Chosen by bench/tune_keywords.py on SciFact claims outside the test qrels (505) and our own
    questions (bench/results/tune_keywords.json). The title is worth more than FTS5's 0.1 on
    SciFact (title 0.1 / 0.3 / 0.6: dev nDCG@10 keyword 0.834 / 0.844 / 0.841, hybrid 0.880 /
    0.885 / 0.882 at k1 0.9, b 0.4); headings (which SciFact lacks) tie from 0 to 0.2 on our
    own questions and cost a hit@1 from 0.3 up. k1 0.9 and b 0.4 beat BM25's usual 1.2 and
    0.75 on both sets (keyword 0.844 against 0.835, hybrid 0.885 against 0.875).
    """

    k1: float = 0.9
    b: float = 0.4
    text: float = 1.0
    heading: float = 0.1
    title: float = 0.3

    def weights(self) -> dict[str, float]:
        return {"text": self.text, "heading": self.heading, "title": self.title}

    def as_dict(self) -> dict:
        return {**asdict(self), "terms_version": TERMS_VERSION, "format": KEYWORD_FORMAT}


@dataclass(frozen=True)
class KeywordRow:
    """One chunk as the keyword index reads it."""

    id: int
    text: str
    heading: str | None
    title: str


class ImpactIndex:
    """A term x chunk matrix of BM25 scores (CSC: one posting list per term). Read-only once
    built, so threads share it; each thread adds up scores in its own scratch array."""

    def __init__(self, vocabulary: list[str], indptr, indices, data, ids, maxima, params: BM25Params):
        self.terms = {term: i for i, term in enumerate(vocabulary)}
        self.vocabulary = vocabulary
        self.indptr, self.indices, self.data, self.ids, self.maxima = indptr, indices, data, ids, maxima
        self.params = params
        self._local = threading.local()

    @property
    def chunk_count(self) -> int:
        return len(self.ids)

    @property
    def postings(self) -> int:
        return len(self.data)

    def document_frequency(self, term: str) -> int:
        """Chunks holding an index term (as extract_terms gives it) in any field."""
        t = self.terms.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def search(self, weights: dict[str, float], n: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, scores) of the best n chunks, best first, for index terms weighted as
        given (1.0 = a query word). `allowed`: chunk ids a filter leaves, or None for all."""
        spans = []  # (first posting, end, weight, the most this term adds to a chunk)
        for term, weight in weights.items():
            t = self.terms.get(term)
            if t is not None and weight > 0:
                spans.append((int(self.indptr[t]), int(self.indptr[t + 1]), np.float32(weight), weight * float(self.maxima[t])))
        if not spans or n <= 0:
            return _NO_IDS, _NO_SCORES
        mask = None if allowed is None else self._allowed_mask(allowed)
        if len(spans) == 1:  # one term: its impacts are the scores, nothing to add up
            lo, hi, weight, _ = spans[0]
            positions, scores = np.asarray(self.indices[lo:hi]), np.asarray(self.data[lo:hi]) * weight
            if mask is not None:
                keep = mask[positions]
                positions, scores = positions[keep], scores[keep]
            return self._top(positions, scores, n, 1)
        spans.sort(key=lambda span: span[1] - span[0])  # rarest first
        scratch = getattr(self._local, "scratch", None)
        if scratch is None or len(scratch) != self.chunk_count:
            scratch = self._local.scratch = np.zeros(self.chunk_count, dtype=np.float32)
        for lo, hi, weight, _ in spans:
            # A term's postings name each chunk once, so the buffered `+=` drops no addition.
            scratch[self.indices[lo:hi]] += self.data[lo:hi] * weight if weight != 1 else self.data[lo:hi]
        try:
            return self._best(spans, scratch, n, mask)
        finally:  # clean for this thread's next query
            if sum(hi - lo for lo, hi, _, _ in spans) > len(scratch) // 8:
                scratch.fill(0.0)
            else:
                for lo, hi, _, _ in spans:
                    scratch[self.indices[lo:hi]] = 0.0

    def _best(self, spans, scratch: np.ndarray, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The best n chunks of those the query's terms reach, their scores summed in `scratch`.
        Chunks are read from the rarest terms' postings first: a chunk none of those hold
        scores at most the sum of the other terms' best impacts, so once the n-th best chunk
        found beats that bound, the long postings of common words need not be read at all
        (MaxScore's argument; most queries at 1M stop before their commonest word)."""
        bounds = np.cumsum([span[3] for span in reversed(spans)])[::-1].tolist() + [0.0]
        parts, gathered = [], 0
        for i, (lo, hi, _, _) in enumerate(spans):
            positions = self.indices[lo:hi]
            if mask is not None:
                positions = positions[mask[positions]]
            parts.append(positions)
            gathered += len(positions)
            last = i + 1 == len(spans)
            # Check only before a list longer than all read so far: the checks cost at most
            # as much again as the reading.
            if not last and (gathered < n or spans[i + 1][1] - spans[i + 1][0] <= gathered):
                continue
            positions = np.concatenate(parts) if len(parts) > 1 else np.asarray(positions)
            ids, scores = self._top(positions, scratch[positions], n, i + 1)
            if last or (len(scores) == n and scores[-1] > bounds[i + 1] * (1 + 1e-6)):
                return ids, scores
        return _NO_IDS, _NO_SCORES  # not reached: the last list always returns

    def _top(self, positions: np.ndarray, scores: np.ndarray, n: int, repeats: int) -> tuple[np.ndarray, np.ndarray]:
        # A chunk occurs at most `repeats` times (once per posting list), so the best
        # n * repeats entries hold the best n distinct chunks; only those are sorted.
        m = n * repeats
        if len(scores) > m:
            cut = np.argpartition(scores, len(scores) - m)[len(scores) - m :]
            positions, scores = positions[cut], scores[cut]
        if repeats > 1:
            positions, first = np.unique(positions, return_index=True)
            scores = scores[first]
        order = np.lexsort((positions, -scores))[:n]  # ties: lower chunk id first
        return self.ids[positions[order]], scores[order].astype(np.float64)

    def _allowed_mask(self, allowed: np.ndarray) -> np.ndarray:
        allowed = np.asarray(allowed, dtype=np.int64)
        at = np.searchsorted(self.ids, allowed)
        inside = at < len(self.ids)
        at, allowed = at[inside], allowed[inside]
        at = at[self.ids[at] == allowed]  # ids this index does not hold are no position
        mask = np.zeros(self.chunk_count, dtype=bool)
        mask[at] = True
        return mask

    # ------------------------------------------------------------ on disk

    def save(self, folder: Path) -> dict:
        """Write the index into `folder` (created); returns what the manifest records."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, values in zip(_FILES, (self.indptr, self.indices, self.data, self.ids, self.maxima)):
            np.save(folder / name, np.ascontiguousarray(values), allow_pickle=False)
        (folder / "vocab.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        info = {"params": self.params.as_dict(), "chunks": self.chunk_count, "terms": len(self.vocabulary),
                "postings": self.postings}
        (folder / "meta.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        return info

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "ImpactIndex":
        """Raises OSError or ValueError when a file is missing or unreadable. `mmap`: the
        arrays stay in the page cache, shared by every process serving this generation."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        params = {k: v for k, v in meta["params"].items() if k in BM25Params.__dataclass_fields__}
        if meta["params"].get("format") != KEYWORD_FORMAT:
            raise ValueError(f"keyword index format {meta['params'].get('format')!r}, expected {KEYWORD_FORMAT}")
        vocabulary = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        arrays = [np.load(folder / name, mmap_mode="r" if mmap else None, allow_pickle=False) for name in _FILES]
        # Plain ndarray views of the maps: slicing a np.memmap runs Python code on every slice.
        arrays = [a.view(np.ndarray) for a in arrays]
        indptr, indices, data, ids, maxima = arrays
        if (len(indptr) != len(vocabulary) + 1 or len(maxima) != len(vocabulary) or len(indices) != len(data)
                or indptr[-1] != len(data)):
            raise ValueError("keyword index arrays do not agree in length")
        return cls(vocabulary, indptr, indices, data, ids, maxima, BM25Params(**params))


_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)


def build_impact_index(rows: Iterable[KeywordRow], params: BM25Params = BM25Params()) -> ImpactIndex:
    """The impact index of every chunk in `rows` (ascending ids), computed from scratch."""
    vocab: dict[str, int] = {}
    weights = {f: w for f, w in params.weights().items() if w > 0}
    terms = {f: array("i") for f in weights}
    tfs = {f: array("i") for f in weights}
    docs = {f: array("i") for f in weights}
    lengths = {f: array("i") for f in weights}
    ids = array("q")
    last_title: tuple[str, list[str]] = ("", [])
    for position, row in enumerate(rows):
        ids.append(row.id)
        for field in weights:
            if field == "title":  # one document's chunks come in a row: tokenise its title once
                if row.title != last_title[0]:
                    last_title = (row.title, extract_terms(row.title))
                tokens = last_title[1]
            else:
                tokens = extract_terms(getattr(row, field) or "")
            lengths[field].append(len(tokens))
            counts = Counter(tokens)
            terms[field].extend([vocab.setdefault(t, len(vocab)) for t in counts])
            tfs[field].extend(counts.values())
            docs[field].extend([position] * len(counts))
    n = len(ids)
    keys, partials = [], []
    for field, weight in weights.items():
        length = np.frombuffer(lengths[field], dtype=np.int32).astype(np.float32)
        if not length.sum():
            continue  # a field no chunk fills (no headings) adds nothing
        tf = np.frombuffer(tfs[field], dtype=np.int32).astype(np.float32)
        doc = np.frombuffer(docs[field], dtype=np.int32)
        norm = params.k1 * (1.0 - params.b + params.b * length[doc] / float(length.mean()))
        partials.append(weight * tf * (params.k1 + 1.0) / (tf + norm))
        keys.append(np.frombuffer(terms[field], dtype=np.int32).astype(np.int64) * max(n, 1) + doc)
    del terms, tfs, docs
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    partial = np.concatenate(partials) if partials else np.zeros(0, dtype=np.float32)
    del keys, partials
    order = np.argsort(key, kind="stable")
    key, partial = key[order], partial[order]
    del order
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    summed = np.add.reduceat(partial, starts) if len(key) else partial
    key = key[starts]
    term = (key // max(n, 1)).astype(np.int64)
    df = np.bincount(term, minlength=len(vocab))
    idf = np.log1p((n - df + 0.5) / (df + 0.5))  # Lucene's: positive even for the commonest terms
    data = (summed * idf[term]).astype(np.float32)
    indices = (key % max(n, 1)).astype(np.int32)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    maxima = np.zeros(len(vocab), dtype=np.float32)
    if len(data):
        held = df > 0  # every term is held somewhere; kept safe for reduceat all the same
        maxima[held] = np.maximum.reduceat(data, indptr[:-1][held])
    vocabulary = [""] * len(vocab)
    for t, i in vocab.items():
        vocabulary[i] = t
    return ImpactIndex(vocabulary, indptr, indices, data, np.frombuffer(ids, dtype=np.int64).copy(), maxima, params)


def keyword_index_readable(info: dict | None) -> bool:
    """Whether this code can search a generation's impact index (same files, same terms);
    one it cannot is left to FTS5 until the next build replaces it."""
    params = (info or {}).get("params", {})
    return params.get("format") == KEYWORD_FORMAT and params.get("terms_version") == TERMS_VERSION


def keyword_index_current(info: dict | None) -> bool:
    """Whether a generation's manifest entry describes the impact index this code builds."""
    return bool(info) and info.get("params") == BM25Params().as_dict()


def write_impact_index(rows: Iterable[KeywordRow], folder: Path, params: BM25Params = BM25Params()) -> dict:
    """Build the impact index of `rows` and save it into `folder`; returns what the manifest
    records, with the seconds it took (a full recompute on every build)."""
    started = time.perf_counter()
    info = build_impact_index(rows, params).save(folder)
    info["seconds"] = round(time.perf_counter() - started, 2)
    return info
