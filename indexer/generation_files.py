"""A generation's files read outside a Generation object: its manifest, the tables an
incremental build reuses (files, vectors, keyword rows), and its FAISS and keyword files opened
and checked against the manifest. generation.py opens generations with these; plan.py and
store.py read the previous generation with them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

import numpy as np

from .bm25 import ImpactIndex, KeywordRow, keyword_index_readable
from .errors import CorruptIndex
from .layout import FAISS, INDEX_FORMAT, KEYWORDS, MANIFEST, SQLITE
from .models import FileRecord
from .vectors import read_vector_index

# SQLite allows 999 bound parameters in older builds; lookups by id go in parts of this size.
ID_BATCH = 500


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


def connect_read_only(gen_path: Path) -> sqlite3.Connection:
    # immutable=1: a published generation never changes, so SQLite may skip locking.
    uri = f"file:{(Path(gen_path) / SQLITE).as_posix()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def read_file_records(gen_path: Path) -> dict[str, FileRecord]:
    """The files table of a generation: what its build read, by corpus-relative path."""
    conn = connect_read_only(gen_path)
    try:
        rows = conn.execute("SELECT path, sha256, size, meta_hash, doc_ids, skipped FROM files").fetchall()
    finally:
        conn.close()
    return {r[0]: FileRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5]) for r in rows}


def cached_vectors(gen_path: Path, embed_hashes: list[str]) -> dict[str, np.ndarray]:
    """Vectors a generation holds for these embedding inputs (any document's), when it holds
    their sentences' vectors too (a chunk from an index that predates those is embedded again)."""
    conn = connect_read_only(gen_path)
    found: dict[str, np.ndarray] = {}
    try:
        for lo in range(0, len(embed_hashes), ID_BATCH):
            part = embed_hashes[lo : lo + ID_BATCH]
            for h, blob in conn.execute(
                f"SELECT c.embed_hash, c.vector FROM chunks c WHERE c.embed_hash IN ({','.join('?' * len(part))}) "
                "AND EXISTS (SELECT 1 FROM sentences s WHERE s.embed_hash = c.embed_hash)", part
            ):
                found[h] = np.frombuffer(blob, dtype=np.float32)
    except sqlite3.OperationalError as exc:  # no sentences table: an index from before them
        if "no such table" not in str(exc):
            raise
    finally:
        conn.close()
    return found


def read_keyword_rows(db: sqlite3.Connection) -> Iterator[KeywordRow]:
    """Every chunk with its heading and document title, by ascending id (the keyword index's
    input); rows are read as they are consumed."""
    rows = db.execute(
        "SELECT c.id, c.text, c.heading, d.title FROM chunks c JOIN documents d ON d.doc_id = c.doc_id ORDER BY c.id"
    )
    return (KeywordRow(*r) for r in rows)


def read_all_vectors(db: sqlite3.Connection, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of every chunk, by ascending id."""
    rows = db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dimension)
    return ids, vectors


def verify_files(path: Path, manifest: dict) -> None:
    for name, size in manifest.get("files", {}).items():
        try:
            actual = (path / name).stat().st_size
        except FileNotFoundError:
            raise CorruptIndex(path, f"{name} is missing") from None
        if actual != size:
            raise CorruptIndex(path, f"{name} has {actual} bytes, the manifest says {size} (truncated?)")


def open_vectors(path: Path, manifest: dict):
    try:
        vector_index = read_vector_index(path / FAISS, manifest.get("vector_index", {}))
    except Exception as exc:  # faiss raises RuntimeError with C++ text
        raise CorruptIndex(path, f"vectors.faiss cannot be read ({str(exc).splitlines()[0][:200]})") from None
    dimension = manifest.get("model", {}).get("dimension")
    if vector_index.d != dimension:
        raise CorruptIndex(path, f"vectors.faiss holds {vector_index.d}-dimensional vectors, the manifest says {dimension}")
    return vector_index


def open_keywords(path: Path, manifest: dict) -> ImpactIndex | None:
    # Generations built before the impact index (or with another version of it) are
    # searched with FTS5, which every generation has.
    if not keyword_index_readable(manifest.get("keywords")):
        return None
    try:
        keyword_index = ImpactIndex.load(path / KEYWORDS)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptIndex(path, f"keywords/ cannot be read ({str(exc)[:200]})") from None
    expected = manifest.get("counts", {}).get("chunks")
    if keyword_index.chunk_count != expected:
        raise CorruptIndex(path, f"keywords/ holds {keyword_index.chunk_count} chunks, the manifest says {expected}")
    return keyword_index
