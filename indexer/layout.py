"""The index on disk, in one place: the folder layout, the publishing protocol, the files of a
generation and the SQLite schema. The writer (store.py) and the reader (generation.py) both
follow it; nothing else names a file or a table.

    index/CURRENT          name of the live generation (replaced with os.replace)
    index/gen-000042/      one generation, never changed once published:
      manifest.json          format, model, fingerprint, counts, file sizes (verified on open)
      index.sqlite           documents, chunks (text, offsets, vector), sentence vectors, files, FTS5
      vectors.faiss          the dense index (indexer/vectors.py)
      keywords/              the BM25 impact index (indexer/bm25.py)
    index/.tmp-gen-.../    a generation being written; never read, removed by the next build
    index/.build.lock      flock held by the one running build

A reader only ever follows CURRENT to a complete folder, so a build killed at any point
leaves the last good generation serving.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import BuildLocked, NotAnIndex, writing

INDEX_FORMAT = 1
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".build.lock"
MANIFEST = "manifest.json"
SQLITE = "index.sqlite"
FAISS = "vectors.faiss"
KEYWORDS = "keywords"
# Optional (indexer/multilingual.py): every chunk's vector from a multilingual model.
MULTILINGUAL = "multilingual.npz"
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
CREATE TABLE IF NOT EXISTS paragraphs (
    doc_id TEXT NOT NULL, n INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER
);
CREATE INDEX IF NOT EXISTS paragraphs_doc ON paragraphs(doc_id, start);
CREATE TABLE IF NOT EXISTS facets (
    chunk INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facets_chunk ON facets(chunk);
CREATE INDEX IF NOT EXISTS facets_value ON facets(facet, value);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, title, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


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
