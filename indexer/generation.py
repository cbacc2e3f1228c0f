"""The read side of the index: open a published generation, verify it, answer lookups.

The search app holds one Generation at a time and swaps to a newer one when CURRENT moves.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from .bm25 import ImpactIndex, keyword_index_readable
from .errors import CorruptIndex, NoIndex
from .models import Document, Section
from .store import FAISS, INDEX_FORMAT, KEYWORDS, MANIFEST, SQLITE, IndexDir
from .vectors import read_vector_index


@dataclass(frozen=True)
class StoredChunk:
    id: int
    doc_id: str
    ordinal: int
    start: int
    end: int
    page: int | None
    heading: str | None
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.ordinal}"


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata without its text (listings, citations)."""

    doc_id: str
    source: str
    title: str
    date: str | None
    kind: str
    external_id: str | None
    chunks: int




def read_manifest(gen_path: Path) -> dict:
    try:
        manifest = json.loads((gen_path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorruptIndex(gen_path, "manifest.json is missing") from None
    except (OSError, ValueError) as exc:
        raise CorruptIndex(gen_path, f"manifest.json is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != INDEX_FORMAT:
        raise CorruptIndex(gen_path, f"manifest.json has format {manifest.get('format')!r}, expected {INDEX_FORMAT}")
    return manifest


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

    @classmethod
    def open(cls, path: Path, expect_model: str | None = None, expect_dimension: int | None = None) -> "Generation":
        path = Path(path)
        manifest = read_manifest(path)
        model = manifest.get("model", {})
        if expect_model and model.get("name") != expect_model:
            raise CorruptIndex(path, f"built with model {model.get('name')!r}, this server uses {expect_model!r}")
        if expect_dimension and model.get("dimension") != expect_dimension:
            raise CorruptIndex(path, f"vectors have dimension {model.get('dimension')}, expected {expect_dimension}")
        for name, size in manifest.get("files", {}).items():
            try:
                actual = (path / name).stat().st_size
            except FileNotFoundError:
                raise CorruptIndex(path, f"{name} is missing") from None
            if actual != size:
                raise CorruptIndex(path, f"{name} has {actual} bytes, the manifest says {size} (truncated?)")
        try:
            vector_index = read_vector_index(path / FAISS, manifest.get("vector_index", {}))
        except Exception as exc:  # faiss raises RuntimeError with C++ text
            raise CorruptIndex(path, f"vectors.faiss cannot be read ({str(exc).splitlines()[0][:200]})") from None
        if vector_index.d != model.get("dimension"):
            raise CorruptIndex(
                path, f"vectors.faiss holds {vector_index.d}-dimensional vectors, the manifest says {model.get('dimension')}"
            )
        keyword_index = None
        # Generations built before the impact index (or with another version of it) are
        # searched with FTS5, which every generation has.
        if keyword_index_readable(manifest.get("keywords")):
            try:
                keyword_index = ImpactIndex.load(path / KEYWORDS)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CorruptIndex(path, f"keywords/ cannot be read ({str(exc)[:200]})") from None
            if keyword_index.chunk_count != manifest.get("counts", {}).get("chunks"):
                raise CorruptIndex(path, f"keywords/ holds {keyword_index.chunk_count} chunks, the manifest says "
                                         f"{manifest.get('counts', {}).get('chunks')}")
        generation = cls(path, manifest, vector_index, keyword_index)
        try:
            db = generation.db
            n_chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'a'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CorruptIndex(path, f"index.sqlite cannot be read ({exc})") from None
        expected = manifest.get("counts", {}).get("chunks")
        if n_chunks != expected or vector_index.ntotal != expected:
            raise CorruptIndex(
                path, f"{n_chunks} chunks and {vector_index.ntotal} vectors, the manifest says {expected}"
            )
        return generation

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "db", None)
        if conn is None:
            # immutable=1: a published generation never changes, so SQLite may skip locking.
            uri = f"file:{(self.path / SQLITE).as_posix()}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.db = conn
        return conn

    @property
    def dimension(self) -> int:
        return int(self.manifest["model"]["dimension"])

    def counts(self) -> dict:
        return dict(self.manifest.get("counts", {}))

    def has_table(self, name: str) -> bool:
        """Whether this generation's database has a table (older generations lack newer ones)."""
        if self._tables is None:
            self._tables = frozenset(r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        return name in self._tables

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

    def chunks(self, ids) -> dict[int, StoredChunk]:
        ids = [int(i) for i in ids]
        out: dict[int, StoredChunk] = {}
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(
                f'SELECT id, doc_id, ordinal, start, "end", page, heading, text FROM chunks WHERE id IN ({marks})',
                part,
            ):
                out[r[0]] = StoredChunk(*r)
        return out

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        rows = self.db.execute(
            'SELECT id, doc_id, ordinal, start, "end", page, heading, text FROM chunks WHERE doc_id = ? ORDER BY ordinal',
            (doc_id,),
        )
        return [StoredChunk(*r) for r in rows]

    def close(self) -> None:
        conn = getattr(self._local, "db", None)
        if conn is not None:
            conn.close()
            self._local.db = None


def open_current(index_path: Path, expect_model: str | None = None, expect_dimension: int | None = None) -> Generation:
    """The live generation, verified; NoIndex/CorruptIndex say what is wrong."""
    index_dir = IndexDir(index_path)
    current = index_dir.current_path()
    if current is None:
        raise NoIndex(index_path)
    if not current.is_dir():
        raise NoIndex(index_path, f"CURRENT names {current.name}, which does not exist")
    return Generation.open(current, expect_model, expect_dimension)
