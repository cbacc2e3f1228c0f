"""The read side of the index: open a published generation, verify it, and answer every
lookup the search app, the builder and the benchmarks need. This module, generation_files.py
(a generation's files read without opening it) and store.py (the writer) are the only ones that
speak SQL to an index; vectors.py the only one that speaks FAISS.

The search app holds one Generation at a time and swaps to a newer one when CURRENT moves.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

import numpy as np

from .bm25 import BM25Params, ImpactIndex, KeywordRow
from .errors import CorruptIndex, ModelMismatch, NoIndex
from .layout import IndexDir
from .models import ChunkFilter, ChunkSpan, Document, DocumentInfo, Paragraph, Section, StoredChunk
from .generation_files import (
    ID_BATCH,
    connect_read_only,
    open_keywords,
    open_vectors,
    read_all_vectors,
    read_keyword_rows,
    read_manifest,
    verify_files,
)
from .paragraphs import split_paragraphs
from .multilingual import read_multilingual
from .positions import ChunkPositions
from .vectors import search_vectors

# The FTS5 fallback weighs a chunk's text, heading and title as the impact index does.
FTS_WEIGHTS = tuple(BM25Params().weights().values())


class Generation:
    """One published generation, opened read-only and verified. Thread-safe: each thread
    gets its own SQLite connection; FAISS searches are safe to run concurrently, and so are
    keyword searches of the impact index (None in generations built before it existed)."""

    def __init__(self, path: Path, manifest: dict, vector_index, keyword_index: ImpactIndex | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self.manifest = manifest
        self.vector_index = vector_index
        self.keyword_index = keyword_index
        self._local = threading.local()
        self._tables: frozenset[str] | None = None  # read on first has_table()
        self._positions: ChunkPositions | None = None  # read on first positions()
        self._positions_lock = threading.Lock()
        self._multilingual: tuple[np.ndarray, np.ndarray] | None = None  # read on first search_multilingual()
        self._multilingual_lock = threading.Lock()  # not the positions' (read for seconds at a large index)

    @classmethod
    def open(cls, path: Path, expect_model: str | None = None, expect_dimension: int | None = None) -> "Generation":
        path = Path(path)
        manifest = read_manifest(path)
        model = manifest.get("model", {})
        if expect_model and model.get("name") != expect_model:
            raise ModelMismatch(path, model.get("name"), expect_model)
        if expect_dimension and model.get("dimension") != expect_dimension:
            raise CorruptIndex(path, f"vectors have dimension {model.get('dimension')}, expected {expect_dimension}")
        verify_files(path, manifest)
        vector_index = open_vectors(path, manifest)
        generation = cls(path, manifest, vector_index, open_keywords(path, manifest))
        try:
            n_chunks = generation.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            generation.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'a'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CorruptIndex(path, f"index.sqlite cannot be read ({exc})") from None
        expected = manifest.get("counts", {}).get("chunks")
        if n_chunks != expected or vector_index.ntotal != expected:
            raise CorruptIndex(path, f"{n_chunks} chunks and {vector_index.ntotal} vectors, the manifest says {expected}")
        return generation

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "db", None)
        if conn is None:
            conn = self._local.db = connect_read_only(self.path)
        return conn

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])

    def counts(self) -> dict:
        return dict(self.manifest.get("counts", {}))

    @property
    def chunk_count(self) -> int:
        return int(self.manifest.get("counts", {}).get("chunks", 0))

    def has_table(self, name: str) -> bool:
        """Whether this generation's database has a table (older generations lack newer ones)."""
        if self._tables is None:
            self._tables = frozenset(r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        return name in self._tables

    # ------------------------------------------------------------ documents

    def documents(self) -> list[DocumentInfo]:
        rows = self.db.execute(
            "SELECT d.doc_id, d.source, d.title, d.date, d.kind, d.external_id, "
            "(SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id) "
            "FROM documents d ORDER BY d.date IS NULL, d.date DESC, d.title"
        )
        return [DocumentInfo(*r) for r in rows]

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        row = self.db.execute(
            "SELECT doc_id, source, title, date, kind, external_id, "
            "(SELECT count(*) FROM chunks c WHERE c.doc_id = ?) FROM documents WHERE doc_id = ?",
            (doc_id, doc_id),
        ).fetchone()
        return DocumentInfo(*row) if row else None

    def document(self, doc_id: str) -> Document | None:
        row = self.db.execute(
            "SELECT doc_id, source, title, text, date, kind, sections, page_starts, external_id, extra "
            "FROM documents WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        sections = tuple(Section(s, t, lvl) for s, t, lvl in json.loads(row[6]))
        return Document(
            doc_id=row[0], source=row[1], title=row[2], text=row[3], date=row[4], kind=row[5],
            sections=sections, page_starts=tuple(json.loads(row[7])), external_id=row[8],
            extra=json.loads(row[9]),
        )

    def paragraphs(self, doc_id: str) -> tuple[Paragraph, ...]:
        """The document's numbered paragraphs, in order. A generation built before paragraphs
        were stored has none: they are made from its text, by the same rules."""
        if self.has_table("paragraphs"):
            rows = self.db.execute(
                'SELECT n, start, "end", page FROM paragraphs WHERE doc_id = ? ORDER BY start', (doc_id,)
            ).fetchall()
            if rows:
                return tuple(Paragraph(*r) for r in rows)
        row = self.db.execute("SELECT text, page_starts FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return split_paragraphs(row[0], tuple(json.loads(row[1]))) if row else ()

    def text_span(self, doc_id: str, start: int, end: int) -> str:
        """document_text[start:end] without reading the whole text ("" for an unknown document)."""
        # SQLite's substr counts characters, as Python's offsets do.
        row = self.db.execute(
            "SELECT substr(text, ?, ?) FROM documents WHERE doc_id = ?", (start + 1, max(0, end - start), doc_id)
        ).fetchone()
        return row[0] if row else ""

    # ------------------------------------------------------------ chunks

    def chunks(self, ids) -> dict[int, StoredChunk]:
        """Chunks with their text, by id."""
        return {r[0]: StoredChunk(*r) for r in self._by_ids(
            'SELECT id, doc_id, ordinal, start, "end", page, heading, text FROM chunks WHERE id IN ({})', ids)}

    def chunk_spans(self, ids) -> dict[int, ChunkSpan]:
        """Where each chunk sits, by id, without reading texts: from memory once positions()
        has read them (a server does, in the background), else from SQLite (a one-off search)."""
        if self._positions is not None:
            return self._positions.spans(ids)
        return {r[0]: ChunkSpan(*r) for r in self._by_ids(
            'SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks WHERE id IN ({})', ids)}

    def positions(self) -> ChunkPositions:
        """Every chunk's place, read once; CorruptIndex when the chunks table cannot give them."""
        if self._positions is None:
            with self._positions_lock:
                if self._positions is None:
                    try:
                        self._positions = ChunkPositions.read(self.db, self.chunk_count)
                    except (sqlite3.DatabaseError, ValueError) as exc:
                        raise CorruptIndex(self.path, f"chunk positions cannot be read ({exc})") from None
        return self._positions

    @property
    def multilingual_model(self) -> str | None:
        """The model of the generation's multilingual vectors, None when it has none."""
        return self.manifest.get("multilingual", {}).get("model")

    def multilingual_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, vectors) of the multilingual file, read once; CorruptIndex if it is damaged."""
        if self._multilingual is None:
            with self._multilingual_lock:
                if self._multilingual is None:
                    ids, _, vectors = read_multilingual(self.path, self.manifest.get("multilingual", {}))
                    self._multilingual = (ids, vectors)
        return self._multilingual

    def search_multilingual(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> dict[int, float]:
        """Chunk id -> cosine of the n chunks whose multilingual vectors are nearest `vector`
        (exact: a product with every row), among `allowed` ids when given."""
        ids, vectors = self.multilingual_vectors()
        scores = vectors @ vector
        if allowed is not None:
            scores = np.where(np.isin(ids, allowed), scores, -np.inf)
        if n < len(scores):
            top = np.argpartition(-scores, n)[:n]
            top = top[np.argsort(-scores[top])]
        else:
            top = np.argsort(-scores)
        return {int(ids[k]): float(scores[k]) for k in top if np.isfinite(scores[k])}

    def _by_ids(self, sql: str, ids) -> Iterator[tuple]:
        ids = [int(i) for i in ids]
        for lo in range(0, len(ids), ID_BATCH):
            part = ids[lo : lo + ID_BATCH]
            yield from self.db.execute(sql.format(",".join("?" * len(part))), part)

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        rows = self.db.execute(
            'SELECT id, doc_id, ordinal, start, "end", page, heading, text FROM chunks WHERE doc_id = ? ORDER BY ordinal',
            (doc_id,),
        )
        return [StoredChunk(*r) for r in rows]

    def chunk_run(self, doc_id: str, first: int, last: int) -> list[ChunkSpan]:
        """Chunks `first`..`last` (ordinals) of a document, in order; fewer when some are missing."""
        rows = self.db.execute(
            'SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks '
            "WHERE doc_id = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal", (doc_id, first, last),
        )
        return [ChunkSpan(*r) for r in rows]

    def chunk_vectors(self, doc_id: str, first: int, last: int) -> np.ndarray:
        """The stored vectors of chunks `first`..`last` of a document (rows x dimension)."""
        rows = self.db.execute(
            "SELECT vector FROM chunks WHERE doc_id = ? AND ordinal BETWEEN ? AND ?", (doc_id, first, last)
        ).fetchall()
        if not rows:
            return np.zeros((0, self.dimension), np.float32)
        return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1)

    def sentence_vectors(self, doc_id: str, first: int, last: int) -> dict[tuple[int, int], np.ndarray]:
        """The vectors the indexer stored for the sentences of chunks `first`..`last`, by their
        (start, end) in the document; empty for an index built before it stored them."""
        if not self.has_table("sentences"):
            return {}
        rows = self.db.execute(
            'SELECT c.start + s.start, c.start + s."end", s.vector FROM chunks c '
            "JOIN sentences s ON s.embed_hash = c.embed_hash WHERE c.doc_id = ? AND c.ordinal BETWEEN ? AND ?",
            (doc_id, first, last),
        ).fetchall()
        return {(a, b): np.frombuffer(v, dtype=np.float16).astype(np.float32) for a, b, v in rows}

    def chunk_sentence_vectors(self, ids) -> dict[int, np.ndarray]:
        """Each chunk's stored sentence vectors (sentences x dimension), by chunk id, in one
        query; chunks without any (an index from before them) are left out."""
        if not self.has_table("sentences"):
            return {}
        rows: dict[int, list[bytes]] = {}
        for chunk_id, vector in self._by_ids(
                "SELECT c.id, s.vector FROM chunks c JOIN sentences s ON s.embed_hash = c.embed_hash "
                "WHERE c.id IN ({})", ids):
            rows.setdefault(chunk_id, []).append(vector)
        return {cid: np.frombuffer(b"".join(vs), dtype=np.float16).astype(np.float32).reshape(len(vs), -1)
                for cid, vs in rows.items()}

    def chunk_facets(self, ids) -> dict[int, list[tuple[str, str]]]:
        """The (facet, value) pairs each chunk names, by chunk id (facets.py); none in a
        generation built before facets were stored."""
        if not self.has_table("facets"):
            return {}
        found: dict[int, list[tuple[str, str]]] = {}
        for chunk, facet, value in self._by_ids("SELECT chunk, facet, value FROM facets WHERE chunk IN ({})", ids):
            found.setdefault(chunk, []).append((facet, value))
        return found

    def allowed_ids(self, chunk_filter: ChunkFilter) -> np.ndarray:
        """Chunk ids of the documents a filter leaves."""
        if (chunk_filter.countries or chunk_filter.organisations) and not self.has_table("facets"):
            return np.zeros(0, dtype=np.int64)  # built before facets: nothing is known to name them
        where, params = chunk_filter.sql()
        rows = self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {where}", params
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        return read_all_vectors(self.db, self.dimension)

    def keyword_rows(self) -> Iterator[KeywordRow]:
        return read_keyword_rows(self.db)

    # ------------------------------------------------------------ searching

    def search_vectors(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None,
                       threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, inner products) of the n nearest chunks, best first, among `allowed`
        ids when given; `threads` as vectors.search_vectors."""
        return search_vectors(self.vector_index, vector, n, allowed, threads)

    def fts_search(self, match: str, n: int, chunk_filter: ChunkFilter = ChunkFilter()) -> dict[int, float]:
        """Chunk id -> BM25 score of the best n chunks for an FTS5 MATCH expression, with the
        impact index's field weights (the keyword search of generations built before it)."""
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        sql = f"SELECT f.rowid, -bm25(chunks_fts, {weights}) FROM chunks_fts f"
        params: list = [match]
        if chunk_filter:
            where, fparams = chunk_filter.sql()
            sql += f" JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.doc_id = c.doc_id WHERE chunks_fts MATCH ? AND {where}"
            params += fparams
        else:
            sql += " WHERE chunks_fts MATCH ?"
        sql += f" ORDER BY bm25(chunks_fts, {weights}) LIMIT ?"
        params.append(n)
        return {int(r[0]): float(r[1]) for r in self.db.execute(sql, params)}

    def fts_count(self, match: str) -> int:
        """How many chunks an FTS5 MATCH expression matches."""
        return self.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)).fetchone()[0]

    def fts_texts(self, match: str, limit: int) -> list[str]:
        """Texts of up to `limit` chunks an FTS5 MATCH expression matches (in index order)."""
        rows = self.db.execute("SELECT text FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?", (match, limit))
        return [r[0] for r in rows]

    def close(self) -> None:
        conn = getattr(self._local, "db", None)
        if conn is not None:
            conn.close()
            self._local.db = None


def open_current(index_path: Path, expect_model: str | None = None, expect_dimension: int | None = None) -> Generation:
    """The live generation, verified; NoIndex/CorruptIndex say what is wrong."""
    current = IndexDir(index_path).current_path()
    if current is None:
        raise NoIndex(index_path)
    if not current.is_dir():
        raise NoIndex(index_path, f"CURRENT names {current.name}, which does not exist")
    return Generation.open(current, expect_model, expect_dimension)
