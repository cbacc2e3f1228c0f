"""The index on disk: generations written aside, published by atomic rename, opened and verified.

    index/CURRENT          name of the live generation (replaced with os.replace)
    index/gen-000042/      manifest.json, index.sqlite, vectors.faiss, keywords/ (indexer/bm25.py)
    index/.tmp-gen-.../    a generation being written; never read, removed by the next build
    index/.build.lock      flock held by the one running build

A reader only ever follows CURRENT to a complete folder, so a build killed at any point
leaves the last good generation serving.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import os
import re
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np

from .bm25 import KeywordRow
from .errors import BuildLocked, IndexWriteFailed, NotAnIndex
from .models import Document

INDEX_FORMAT = 1
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".build.lock"
MANIFEST = "manifest.json"
SQLITE = "index.sqlite"
FAISS = "vectors.faiss"
KEYWORDS = "keywords"
# Older generations kept after a publish: a server may still be answering from one.
KEEP_GENERATIONS = 3

_GEN_NAME = re.compile(r"^gen-(\d{6,})$")
# Anything else in an index folder means it is not ours, and we will not write into it.
_OURS = re.compile(r"^(gen-\d{6,}|\.tmp-gen-.*|CURRENT(\.tmp.*)?|\.build\.lock|README(\..*)?|\.gitignore|\.gitkeep)$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    meta_hash TEXT NOT NULL, doc_ids TEXT NOT NULL, skipped TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, date TEXT, kind TEXT NOT NULL,
    text TEXT NOT NULL, sections TEXT NOT NULL, page_starts TEXT NOT NULL,
    external_id TEXT, extra TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER, heading TEXT,
    text TEXT NOT NULL, embed_hash TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_embed ON chunks(embed_hash);
CREATE TABLE IF NOT EXISTS sentences (
    embed_hash TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_hash ON sentences(embed_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, title, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


# Why a write fails, as a person would say it (the errno name alone means little to most).
_WRITE_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def describe_write_error(exc: BaseException) -> str:
    """One line saying why writing the index failed: OSError from Python, sqlite3.Error from
    SQLite, RuntimeError from FAISS (whose text ends in the C library's strerror)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        problem = _WRITE_PROBLEMS.get(exc.errno) or exc.strerror or str(exc)
        return f"{problem} ({exc.filename})" if exc.filename else problem
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    source = "SQLite" if isinstance(exc, sqlite3.Error) else "FAISS" if isinstance(exc, RuntimeError) else "OS"
    for code, problem in _WRITE_PROBLEMS.items():
        if os.strerror(code) in text:
            return f"{problem} ({source}: {text[-160:]})"
    if "disk is full" in text or "readonly database" in text:  # SQLite's own wording
        problem = "the disk is full" if "full" in text else "the file system is read-only"
        return f"{problem} ({source}: {text})"
    return f"{source}: {text[-200:]}"


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Around code that writes the index folder: a failed write becomes IndexWriteFailed
    naming the cause, instead of a traceback from three different libraries."""
    try:
        yield
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise IndexWriteFailed(path, describe_write_error(exc)) from exc


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


@dataclass(frozen=True)
class FileRecord:
    path: str
    sha256: str
    size: int
    meta_hash: str
    doc_ids: tuple[str, ...]


# ---------------------------------------------------------------- the folder


class IndexDir:
    """The index folder: which generation is live, the build lock, publishing."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def check_ours(self) -> None:
        if not self.path.exists():
            return
        if not self.path.is_dir():
            raise NotAnIndex(self.path, self.path.name)
        for entry in sorted(os.listdir(self.path)):
            if not _OURS.match(entry):
                raise NotAnIndex(self.path, entry)

    def current_name(self) -> str | None:
        try:
            name = (self.path / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if _GEN_NAME.match(name) else None

    def current_path(self) -> Path | None:
        name = self.current_name()
        return self.path / name if name else None

    def generation_names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(n for n in os.listdir(self.path) if _GEN_NAME.match(n))

    def next_name(self) -> str:
        numbers = [int(_GEN_NAME.match(n).group(1)) for n in self.generation_names()]
        return f"gen-{(max(numbers) + 1) if numbers else 1:06d}"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One build at a time. flock dies with its process, so kill -9 never leaves it stale."""
        with writing(self.path):  # a read-only or forbidden index folder fails here, first
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildLocked(self.path) from None
            yield
        finally:
            os.close(fd)

    def remove_stale(self) -> None:
        """Left-overs of builds that died; call only while holding the lock."""
        for entry in os.listdir(self.path):
            if entry.startswith(".tmp-gen-") or entry.startswith(CURRENT_FILE + ".tmp"):
                target = self.path / entry
                with writing(self.path):
                    shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)

    def new_workdir(self, name: str) -> Path:
        work = self.path / f".tmp-{name}-{os.getpid()}"
        with writing(self.path):
            work.mkdir(parents=True)
        return work

    def publish(self, workdir: Path, name: str) -> Path:
        """Rename the finished folder into place, then switch CURRENT with one os.replace."""
        final = self.path / name
        tmp = self.path / f"{CURRENT_FILE}.tmp-{os.getpid()}"
        with writing(self.path):
            for f in sorted(workdir.rglob("*")):  # keywords/ and its files too
                _fsync_file(f)
            os.rename(workdir, final)
            try:
                _fsync_dir(self.path)
                with open(tmp, "w", encoding="utf-8") as fh:
                    fh.write(name + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path / CURRENT_FILE)
            except OSError:
                # CURRENT never named it (a full disk fails right here): take it back out
                # rather than leave a generation nothing serves taking up the space.
                shutil.rmtree(final, ignore_errors=True)
                tmp.unlink(missing_ok=True)
                raise
        # Outside `writing`: CURRENT has moved, so "nothing was published" would be untrue.
        _fsync_dir(self.path)
        return final

    def prune(self, keep: int = KEEP_GENERATIONS) -> None:
        live = self.current_name()
        names = self.generation_names()
        for name in names[:-keep] if keep else names:
            if name != live:
                shutil.rmtree(self.path / name, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- writing


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
    def cached_vectors(self, embed_hashes: list[str]) -> dict[str, bytes]:
        """Vectors already computed for these embedding inputs (any document's), with their
        sentences' vectors (a chunk from an index that predates those is embedded again)."""
        found: dict[str, bytes] = {}
        for lo in range(0, len(embed_hashes), 500):
            part = embed_hashes[lo : lo + 500]
            marks = ",".join("?" * len(part))
            for h, blob in self.db.execute(
                f"SELECT c.embed_hash, c.vector FROM chunks c WHERE c.embed_hash IN ({marks}) "
                "AND EXISTS (SELECT 1 FROM sentences s WHERE s.embed_hash = c.embed_hash)", part
            ):
                found[h] = blob
        return found

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
            self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
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
        ids = []
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
            ids.append(rowid)
        return ids

    @_writes
    def set_file(self, record: FileRecord, skipped: str | None = None) -> None:
        """Remember a file's hash; `skipped` keeps the reason an unreadable file was skipped,
        so an unchanged broken file is reported again without being read again."""
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?)",
            (record.path, record.sha256, record.size, record.meta_hash, json.dumps(list(record.doc_ids)), skipped),
        )

    @_writes
    def remove_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    @_writes
    def all_vectors(self, dimension: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dimension)
        return ids, vectors

    def keyword_rows(self) -> Iterator[KeywordRow]:
        """Every chunk with its heading and document title, by ascending id (the keyword
        index's input). Call inside `writing`: rows are read as they are consumed."""
        rows = self.db.execute(
            "SELECT c.id, c.text, c.heading, d.title FROM chunks c JOIN documents d ON d.doc_id = c.doc_id ORDER BY c.id"
        )
        return (KeywordRow(*r) for r in rows)

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
        manifest["files"] = {name: (workdir / name).stat().st_size for name in names}
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
