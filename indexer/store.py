"""Writing one generation: its SQLite file, inside a work folder that layout.IndexDir
publishes when the build is done. Every write query of the index lives here."""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np

from .bm25 import KeywordRow
from .errors import IndexWriteFailed, describe_write_error, writing
from .generation_files import read_all_vectors, read_keyword_rows
from .layout import FAISS, KEYWORDS, MANIFEST, MULTILINGUAL, SCHEMA, SQLITE
from .models import Document, FileRecord
from .facets import FacetFinder
from .paragraphs import split_paragraphs

_Method = TypeVar("_Method", bound=Callable)


def _writes(method: _Method) -> _Method:
    """GenerationWriter methods touch the work folder's SQLite file: failures translate."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (OSError, sqlite3.Error) as exc:
            raise IndexWriteFailed(self.workdir.parent, describe_write_error(exc)) from exc

    return wrapper  # type: ignore[return-value]


class GenerationWriter:
    """Builds one generation's SQLite file inside a work folder, starting from a copy of
    the previous generation's so that unchanged documents cost nothing."""

    @_writes
    def __init__(self, workdir: Path, base: Path | None = None):
        self.workdir = workdir
        self.db_path = workdir / SQLITE
        if base is not None:
            shutil.copyfile(base / SQLITE, self.db_path)
        self.db = sqlite3.connect(self.db_path)
        # The work folder is thrown away if we die, so durability comes from the final
        # fsync and rename, not from SQLite's journal.
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")

    @_writes
    def add_sentences(self, embed_hash: str, spans: list[tuple[int, int]], vectors: np.ndarray) -> None:
        """The sentence vectors of one chunk text (offsets inside the chunk's text), stored
        as float16: the answer picker compares them with a query, nothing needs more."""
        self.db.execute("DELETE FROM sentences WHERE embed_hash = ?", (embed_hash,))
        self.db.executemany(
            'INSERT INTO sentences (embed_hash, start, "end", vector) VALUES (?, ?, ?, ?)',
            ((embed_hash, a, b, np.asarray(v, dtype=np.float16).tobytes()) for (a, b), v in zip(spans, vectors)),
        )

    @_writes
    def remove_documents(self, doc_ids: list[str]) -> list[int]:
        """Delete documents with their chunks; returns the removed chunk ids."""
        removed: list[int] = []
        for doc_id in doc_ids:
            ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            removed.extend(ids)
            self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", ((i,) for i in ids))
            self.db.executemany("DELETE FROM facets WHERE chunk = ?", ((i,) for i in ids))
            self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self.db.execute("DELETE FROM paragraphs WHERE doc_id = ?", (doc_id,))
        return removed

    @_writes
    def existing_doc_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM documents")}

    @_writes
    def add_document(self, document: Document, chunks, embed_hashes: list[str], vectors: np.ndarray) -> list[int]:
        """Insert a document and its chunks; returns the new chunk ids (also FAISS ids)."""
        self.db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                document.doc_id, document.source, document.title, document.date, document.kind,
                document.text,
                json.dumps([[s.start, s.title, s.level] for s in document.sections]),
                json.dumps(list(document.page_starts)),
                document.external_id,
                json.dumps(document.extra, ensure_ascii=False, default=str),
            ),
        )
        self.db.executemany(
            'INSERT INTO paragraphs (doc_id, n, start, "end", page) VALUES (?,?,?,?,?)',
            ((document.doc_id, p.n, p.start, p.end, p.page) for p in split_paragraphs(document.text, document.page_starts)),
        )
        ids = []
        finder = FacetFinder(document.text)
        for chunk, h, vec in zip(chunks, embed_hashes, vectors):
            cur = self.db.execute(
                'INSERT INTO chunks (doc_id, ordinal, start, "end", page, heading, text, embed_hash, vector) '
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (chunk.doc_id, chunk.ordinal, chunk.start, chunk.end, chunk.page, chunk.heading, chunk.text,
                 h, np.asarray(vec, dtype=np.float32).tobytes()),
            )
            rowid = cur.lastrowid
            self.db.execute(
                "INSERT INTO chunks_fts (rowid, text, heading, title) VALUES (?,?,?,?)",
                (rowid, chunk.text, chunk.heading or "", document.title),
            )
            self.db.executemany("INSERT INTO facets (chunk, facet, value) VALUES (?,?,?)",
                                ((rowid, m.facet, m.value) for m in finder.mentions(chunk.text)))
            ids.append(rowid)
        return ids

    @_writes
    def set_file(self, record: FileRecord) -> None:
        """Remember a file's hash; `record.skipped` keeps the reason an unreadable file was
        skipped, so an unchanged broken file is reported again without being read again."""
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?)",
            (record.path, record.sha256, record.size, record.meta_hash, json.dumps(list(record.doc_ids)), record.skipped),
        )

    @_writes
    def remove_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    @_writes
    def all_vectors(self, dimension: int) -> tuple[np.ndarray, np.ndarray]:
        return read_all_vectors(self.db, dimension)

    def keyword_rows(self) -> Iterator[KeywordRow]:
        """Every chunk as the keyword index reads it. Call inside `writing`: rows are read as
        they are consumed."""
        return read_keyword_rows(self.db)

    @_writes
    def chunk_rows(self) -> list[tuple[int, str, str]]:
        """(id, embedding-input hash, text) of every chunk, by id."""
        return self.db.execute("SELECT id, embed_hash, text FROM chunks ORDER BY id").fetchall()

    @_writes
    def counts(self) -> dict[str, int]:
        return {
            "documents": self.db.execute("SELECT count(*) FROM documents").fetchone()[0],
            "chunks": self.db.execute("SELECT count(*) FROM chunks").fetchone()[0],
            "files": self.db.execute("SELECT count(*) FROM files").fetchone()[0],
        }

    @_writes
    def commit(self) -> None:
        # Sentences of chunk texts no document uses any more.
        self.db.execute("DELETE FROM sentences WHERE embed_hash NOT IN (SELECT embed_hash FROM chunks)")
        self.db.commit()
        # Merge FTS segments now: readers then query one b-tree, not many.
        self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
        self.db.commit()
        self.db.close()


def write_manifest(workdir: Path, manifest: dict) -> None:
    manifest = dict(manifest)
    with writing(workdir.parent):
        names = [SQLITE, FAISS] + sorted(p.relative_to(workdir).as_posix() for p in (workdir / KEYWORDS).glob("*"))
        names += [MULTILINGUAL] if (workdir / MULTILINGUAL).exists() else []
        manifest["files"] = {name: (workdir / name).stat().st_size for name in names}
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
