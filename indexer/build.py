"""Full and incremental builds: corpus/ -> a new published generation, and a report.

Incremental by default: every corpus file is hashed; only new or changed files are read,
and only chunks whose embedding input is new are embedded (vectors are looked up by the
hash of what the encoder would read). With nothing changed no generation is written and
the model is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .bm25 import keyword_index_current, write_impact_index
from .chunking import ChunkingParams, chunk_document, embedding_text, split_sentences
from .documents import SUPPORTED_SUFFIXES, load_metadata, read_documents
from .embedder import Embedder, embed_with_spans
from .errors import CorpusNotFound, CorruptIndex, NothingToIndex, UnreadableDocument
from .models import Document
from .generation import read_manifest
from .store import (
    FAISS,
    INDEX_FORMAT,
    KEYWORDS,
    SQLITE,
    FileRecord,
    GenerationWriter,
    IndexDir,
    write_manifest,
    writing,
)
from .vectors import build_vector_index, choose_kind, read_vector_index, update_vector_index, write_vector_index

METADATA_FILE = "metadata.json"
# Bump when embedding_text() changes what the encoder reads: every vector is then stale.
EMBED_TEXT_VERSION = 1
# Generations store each chunk's sentence vectors (the answer picker reads them) since
# version 1; an index built before has none, and its next build re-embeds everything once.
SENTENCE_VECTORS_VERSION = 1


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    generation: str | None = None  # None: nothing changed, nothing published
    full: bool = False
    note: str | None = None

    @property
    def published(self) -> bool:
        return self.generation is not None


@dataclass(frozen=True)
class _Scanned:
    path: Path
    rel: str
    sha256: str
    size: int
    meta_hash: str


def scan_corpus(corpus: Path) -> list[Path]:
    """Every candidate file below corpus/, skipping hidden files and the metadata file."""
    files = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and rel.as_posix() != METADATA_FILE:
            files.append(path)
    return files


def _hash_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _meta_hash(entry: dict | None) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:16]


def embed_hash(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()


def _fingerprint(model_name: str, params: ChunkingParams) -> dict:
    """What makes stored chunks and vectors reusable; any difference forces a full build."""
    return {
        "format": INDEX_FORMAT,
        "model": model_name,
        "chunking": params.as_dict(),
        "embed_text_version": EMBED_TEXT_VERSION,
        "sentence_vectors": SENTENCE_VECTORS_VERSION,
    }


def _previous_files(gen_path: Path) -> dict[str, tuple[FileRecord, str | None]]:
    uri = f"file:{(gen_path / SQLITE).as_posix()}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        rows = conn.execute("SELECT path, sha256, size, meta_hash, doc_ids, skipped FROM files").fetchall()
    finally:
        conn.close()
    return {r[0]: (FileRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4]))), r[5]) for r in rows}


def build_index(
    corpus: Path,
    index: Path,
    embedder: Embedder,
    *,
    full: bool = False,
    params: ChunkingParams = ChunkingParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Build (incrementally unless `full`) and publish a generation. `embedder` may be lazy:
    it is only asked to embed when some chunk is new."""
    started = time.perf_counter()
    corpus, index = Path(corpus), Path(index)
    if not corpus.is_dir():
        raise CorpusNotFound(corpus)
    index_dir = IndexDir(index)
    index_dir.check_ours()
    report = BuildReport(full=full)
    with index_dir.lock():
        index_dir.remove_stale()
        _build_locked(corpus, index_dir, embedder, params, full, progress, log, report)
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(corpus, index_dir: IndexDir, embedder, params, full, progress, log, report: BuildReport) -> None:
    fingerprint = _fingerprint(embedder.name, params)
    previous = index_dir.current_path()
    prev_manifest: dict | None = None
    prev_files: dict[str, tuple[FileRecord, str | None]] = {}
    if previous is not None and not full:
        try:
            prev_manifest = read_manifest(previous)
            prev_files = _previous_files(previous)
        except (CorruptIndex, sqlite3.DatabaseError, OSError) as exc:
            report.warnings.append(f"previous generation unusable, rebuilding everything: {exc}")
            previous, prev_manifest, prev_files = None, None, {}
        if prev_manifest is not None and prev_manifest.get("fingerprint") != fingerprint:
            report.note = "model, chunking or stored-vector settings changed since the last build: rebuilding everything"
            previous, prev_manifest, prev_files = None, None, {}
    if full:
        previous = None
    report.full = previous is None

    try:
        metadata = load_metadata(corpus)
    except UnreadableDocument as exc:
        report.skipped.append((METADATA_FILE, exc.reason))
        metadata = {}

    scanned = []
    for path in scan_corpus(corpus):
        rel = path.relative_to(corpus).as_posix()
        try:
            scanned.append(_Scanned(path, rel, _hash_file(path), path.stat().st_size, _meta_hash(metadata.get(rel))))
        except OSError as exc:
            report.skipped.append((rel, f"cannot read file: {exc.strerror or exc}"))

    on_disk = {s.rel for s in scanned}
    todo: list[_Scanned] = []
    for s in scanned:
        prev = prev_files.get(s.rel)
        if prev is None:
            todo.append(s)
            report.added.append(s.rel)
        elif prev[0].sha256 != s.sha256 or prev[0].meta_hash != s.meta_hash:
            todo.append(s)
            report.changed.append(s.rel)
        else:
            report.unchanged.append(s.rel)
            if prev[1]:
                report.skipped.append((s.rel, prev[1]))
    report.removed = sorted(rel for rel in prev_files if rel not in on_disk)

    if previous is not None and not todo and not report.removed:
        if keyword_index_current(prev_manifest.get("keywords")):
            counts = prev_manifest.get("counts", {})
            report.documents, report.chunks = counts.get("documents", 0), counts.get("chunks", 0)
            return  # nothing changed: no new generation, no model
        # Still no model: every vector is reused; only the keyword index is written anew.
        report.note = "the keyword index is missing or was built with other settings: rebuilding it"

    name = index_dir.next_name()
    workdir = index_dir.new_workdir(name)
    try:
        _write_generation(corpus, workdir, previous, prev_manifest, prev_files, todo, metadata,
                          embedder, params, fingerprint, progress, log, report, name)
        index_dir.publish(workdir, name)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    report.generation = name
    index_dir.prune()


def _read_changed(todo: list[_Scanned], corpus: Path, metadata, prev_files, report: BuildReport):
    """Read new and changed files; returns {rel: documents} for the readable ones."""
    read: dict[str, list[Document]] = {}
    for s in todo:
        try:
            docs = read_documents(s.path, corpus, metadata, warn=report.warnings.append)
        except UnreadableDocument as exc:
            kept = prev_files.get(s.rel)
            reason = exc.reason
            if kept and kept[0].doc_ids:
                reason += " (kept the previously indexed version)"
            report.skipped.append((s.rel, reason))
            continue
        read[s.rel] = docs
    return read


def _write_generation(corpus, workdir, previous, prev_manifest, prev_files, todo, metadata,
                      embedder, params, fingerprint, progress, log, report: BuildReport, name: str) -> None:
    writer = GenerationWriter(workdir, base=previous)
    read = _read_changed(todo, corpus, metadata, prev_files, report)

    # Old documents of removed files, and of changed files that read cleanly, go away.
    stale_ids: list[str] = []
    for rel in report.removed:
        stale_ids.extend(prev_files[rel][0].doc_ids)
    for rel in read:
        if rel in prev_files:
            stale_ids.extend(prev_files[rel][0].doc_ids)

    # Chunk everything new and hash what the encoder would read (kept by hash: a text that
    # turns out to be missing is embedded from here, not rebuilt).
    planned = []  # (rel, document, chunks, hashes)
    texts_by_hash: dict[str, str] = {}
    chunk_texts: dict[str, str] = {}  # what the sentences are counted in
    for s in todo:
        for document in read.get(s.rel, []):
            chunks = chunk_document(document, params)
            hashes = []
            for c in chunks:
                text = embedding_text(document, c)
                h = embed_hash(embedder.name, text)
                texts_by_hash[h] = text
                chunk_texts[h] = c.text
                hashes.append(h)
            planned.append((s.rel, document, chunks, hashes))

    all_hashes = sorted(texts_by_hash)
    vectors_by_hash = {h: np.frombuffer(b, dtype=np.float32) for h, b in writer.cached_vectors(all_hashes).items()}
    removed_chunk_ids = writer.remove_documents(stale_ids)
    for rel in report.removed:
        writer.remove_file(rel)

    missing = {h: text for h, text in texts_by_hash.items() if h not in vectors_by_hash}
    report.chunks_reused = sum(len(hs) for *_, hs in planned) - len(missing)
    if missing:
        log(f"embedding {len(missing)} chunks")
        texts = list(missing.values())
        # Each chunk's sentences, as character ranges of what the encoder reads (the chunk
        # text comes last in it, after the title and heading).
        sentences = [split_sentences(chunk_texts[h]) for h in missing]
        leads = [len(missing[h]) - len(chunk_texts[h]) for h in missing]
        shifted = [[(lead + a, lead + b) for a, b in spans] for spans, lead in zip(sentences, leads)]
        vectors, sentence_vectors = _embed_with_progress(embedder, texts, shifted, progress)
        report.chunks_embedded = len(texts)
        for h, v, spans, sv in zip(missing.keys(), vectors, sentences, sentence_vectors):
            vectors_by_hash[h] = v
            writer.add_sentences(h, spans, sv)
    # Only ask the embedder (which may load the model) when it already had to embed.
    known_dimension = (prev_manifest or {}).get("model", {}).get("dimension")
    dimension = int(embedder.dimension if missing or not known_dimension else known_dimension)

    existing = writer.existing_doc_ids()
    added_ids: list[int] = []
    added_vectors: list[np.ndarray] = []
    docs_by_file: dict[str, list[str]] = {rel: [] for rel in read}
    for rel, document, chunks, hashes in planned:
        if document.doc_id in existing:
            report.skipped.append((rel, f"document id {document.doc_id!r} already used by another file"))
            continue
        existing.add(document.doc_id)
        vecs = [vectors_by_hash[h] for h in hashes]
        added_ids.extend(writer.add_document(document, chunks, hashes, vecs))
        added_vectors.extend(vecs)
        docs_by_file[rel].append(document.doc_id)

    by_rel = {s.rel: s for s in todo}
    skipped = dict(report.skipped)
    for rel, doc_ids in docs_by_file.items():
        s = by_rel[rel]
        writer.set_file(FileRecord(rel, s.sha256, s.size, s.meta_hash, tuple(doc_ids)), skipped=None)
    for s in todo:
        if s.rel not in read:  # unreadable: remember why, keep what an earlier version indexed
            kept = prev_files.get(s.rel, (FileRecord(s.rel, "", 0, "", ()), None))[0]
            writer.set_file(FileRecord(s.rel, s.sha256, s.size, s.meta_hash, kept.doc_ids), skipped=skipped.get(s.rel))

    counts = writer.counts()
    if counts["documents"] == 0:
        writer.commit()
        raise NothingToIndex(corpus, report.skipped)
    report.documents, report.chunks = counts["documents"], counts["chunks"]

    prev_info = (prev_manifest or {}).get("vector_index", {})
    if previous is not None and prev_info.get("kind") == choose_kind(counts["chunks"]):
        vector_index = read_vector_index(previous / FAISS, prev_info)
        update_vector_index(
            vector_index,
            np.asarray(removed_chunk_ids, dtype=np.int64),
            np.asarray(added_ids, dtype=np.int64),
            np.asarray(added_vectors, dtype=np.float32).reshape(-1, dimension),
        )
        vector_info = prev_info
    else:
        ids, vectors = writer.all_vectors(dimension)
        vector_index, vector_info = build_vector_index(ids, vectors, dimension)
    with writing(workdir.parent):
        keyword_info = write_impact_index(writer.keyword_rows(), workdir / KEYWORDS)
    writer.commit()
    with writing(workdir.parent):  # FAISS's own failures come as RuntimeError
        write_vector_index(vector_index, workdir / FAISS)
    write_manifest(
        workdir,
        {
            "format": INDEX_FORMAT,
            "generation": name,
            "model": {"name": embedder.name, "dimension": dimension},
            "fingerprint": fingerprint,
            "vector_index": vector_info,
            "keywords": keyword_info,
            "counts": counts,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "code_version": __version__,
            "supported_suffixes": sorted(SUPPORTED_SUFFIXES),
        },
    )


def _embed_with_progress(embedder: Embedder, texts: list[str], spans, progress: bool) -> tuple[np.ndarray, list]:
    if not progress:
        return embed_with_spans(embedder, texts, spans)
    from tqdm import tqdm

    with tqdm(total=len(texts), unit="chunk", desc="embedding", mininterval=1.0) as bar:
        return embed_with_spans(embedder, texts, spans, progress=bar.update)
