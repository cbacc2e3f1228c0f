"""The first step of a build: what to read, chunk, embed and drop, as one BuildPlan value.

    plan_files     hash every corpus file and compare with the previous generation's record:
                   new, changed, removed, unchanged, and unchanged files whose reader is new
                   or changed since (read again); no file is read, no model is loaded
    plan_contents  read and chunk what must be read; look up which chunk texts already have
                   vectors; what is left is the EmbeddingJob

The embed step (build.embed_job) and the writer (build.write_generation) carry it out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import ChunkingParams, chunk_document, embedding_text, split_sentences
from .documents import load_metadata, read_documents, reader_labels
from .metadata import METADATA_FILE
from .errors import CorruptIndex, UnreadableDocument
from .generation_files import cached_vectors, read_file_records, read_manifest
from .layout import INDEX_FORMAT
from .models import Chunk, Document, FileRecord
from .report import BuildReport

# Bump when embedding_text() changes what the encoder reads: every vector is then stale.
EMBED_TEXT_VERSION = 1
# Generations store each chunk's sentence vectors (the answer picker reads them) since
# version 1; an index built before has none, and its next build re-embeds everything once.
SENTENCE_VECTORS_VERSION = 1


@dataclass(frozen=True)
class ScannedFile:
    path: Path
    rel: str
    sha256: str
    size: int
    meta_hash: str

    def record(self, doc_ids: tuple[str, ...] = (), skipped: str | None = None) -> FileRecord:
        return FileRecord(self.rel, self.sha256, self.size, self.meta_hash, doc_ids, skipped)


@dataclass(frozen=True)
class Previous:
    """The generation a build starts from: its folder, manifest and file records."""

    path: Path
    manifest: dict
    files: dict[str, FileRecord]

    @property
    def dimension(self) -> int | None:
        return self.manifest.get("model", {}).get("dimension")


@dataclass(frozen=True)
class PlannedDocument:
    rel: str
    document: Document
    chunks: list[Chunk]
    hashes: list[str]  # embed_hash of each chunk's embedding text


@dataclass(frozen=True)
class EmbeddingJob:
    """The chunk texts no stored vector covers: what the encoder reads, and each text's
    sentences as character ranges of it (pooled from the same pass)."""

    hashes: list[str]
    texts: list[str]
    spans: list[list[tuple[int, int]]]
    # The same sentences as ranges of the chunk's own text: what the index stores.
    sentence_spans: list[list[tuple[int, int]]]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class BuildPlan:
    corpus: Path
    fingerprint: dict
    readers: dict[str, str]
    previous: Previous | None  # None: built from scratch
    metadata: dict = field(default_factory=dict)
    to_read: list[ScannedFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Filled by plan_contents:
    documents: list[PlannedDocument] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # rel -> why it was skipped
    read_ok: set[str] = field(default_factory=set)  # files that read cleanly
    reused: dict[str, np.ndarray] = field(default_factory=dict)  # embed_hash -> stored vector
    job: EmbeddingJob | None = None

    @property
    def previous_files(self) -> dict[str, FileRecord]:
        return self.previous.files if self.previous else {}

    @property
    def nothing_changed(self) -> bool:
        return self.previous is not None and not self.to_read and not self.removed

    def stale_doc_ids(self) -> list[str]:
        """Documents that go: those of removed files, and the old ones of files read again cleanly."""
        files = self.previous_files
        rels = [*self.removed, *(rel for rel in self.read_ok if rel in files)]
        return [doc_id for rel in rels for doc_id in files[rel].doc_ids]


def embed_hash(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()


def fingerprint(model_name: str, params: ChunkingParams) -> dict:
    """What makes stored chunks and vectors reusable; any difference forces a full build."""
    return {
        "format": INDEX_FORMAT,
        "model": model_name,
        "chunking": params.as_dict(),
        "embed_text_version": EMBED_TEXT_VERSION,
        "sentence_vectors": SENTENCE_VECTORS_VERSION,
    }


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


def meta_hash(entry: dict | None) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:16]


def find_previous(current: Path | None, wanted: dict, report: BuildReport) -> Previous | None:
    """The live generation, if a build may start from it (readable, same fingerprint)."""
    if current is None:
        return None
    try:
        previous = Previous(current, read_manifest(current), read_file_records(current))
    except (CorruptIndex, sqlite3.DatabaseError, OSError) as exc:
        report.warnings.append(f"previous generation unusable, rebuilding everything: {exc}")
        return None
    if previous.manifest.get("fingerprint") != wanted:
        report.note = "model, chunking or stored-vector settings changed since the last build: rebuilding everything"
        return None
    return previous


def plan_files(corpus: Path, current: Path | None, model_name: str, params: ChunkingParams,
               full: bool, report: BuildReport) -> BuildPlan:
    """Which files to read and which to drop; fills the report's file lists."""
    wanted = fingerprint(model_name, params)
    previous = None if full else find_previous(current, wanted, report)
    report.full = previous is None
    plan = BuildPlan(corpus, wanted, reader_labels(), previous)
    try:
        plan.metadata = load_metadata(corpus, warn=report.warnings.append)
    except UnreadableDocument as exc:
        report.skipped.append((METADATA_FILE, exc.reason))
    scanned = _scan(corpus, plan.metadata, report)
    files = previous.files if previous else {}
    old_readers = previous.manifest.get("readers", {}) if previous else {}
    for s in scanned:
        prev = files.get(s.rel)
        suffix = s.path.suffix.lower()
        if prev is None:
            report.added.append(s.rel)
        elif prev.sha256 != s.sha256 or prev.meta_hash != s.meta_hash:
            report.changed.append(s.rel)
        elif old_readers.get(suffix) != plan.readers.get(suffix):
            report.reread.append(s.rel)  # a reader appeared or changed since this file was read
        else:
            report.unchanged.append(s.rel)
            if prev.skipped:
                report.skipped.append((s.rel, prev.skipped))
            continue
        plan.to_read.append(s)
    on_disk = {s.rel for s in scanned}
    plan.removed = sorted(rel for rel in files if rel not in on_disk)
    report.removed = list(plan.removed)
    return plan


def _scan(corpus: Path, metadata: dict, report: BuildReport) -> list[ScannedFile]:
    scanned = []
    for path in scan_corpus(corpus):
        rel = path.relative_to(corpus).as_posix()
        try:
            scanned.append(ScannedFile(path, rel, _hash_file(path), path.stat().st_size, meta_hash(metadata.get(rel))))
        except OSError as exc:
            report.skipped.append((rel, f"cannot read file: {exc.strerror or exc}"))
    return scanned


def plan_contents(plan: BuildPlan, model_name: str, params: ChunkingParams, report: BuildReport,
                  warn: Callable[[str], None]) -> None:
    """Read and chunk the files to read, find the stored vectors that still serve, and set
    plan.job to what is left to embed."""
    files = plan.previous_files
    texts: dict[str, str] = {}  # embed_hash -> what the encoder reads
    chunk_texts: dict[str, str] = {}  # embed_hash -> the chunk text its sentences are counted in
    for s in plan.to_read:
        try:
            documents = read_documents(s.path, plan.corpus, plan.metadata, warn=warn)
        except UnreadableDocument as exc:
            kept = files.get(s.rel)
            reason = exc.reason + (" (kept the previously indexed version)" if kept and kept.doc_ids else "")
            plan.unreadable[s.rel] = reason
            report.skipped.append((s.rel, reason))
            continue
        plan.read_ok.add(s.rel)
        for document in documents:
            chunks = chunk_document(document, params)
            hashes = []
            for c in chunks:
                text = embedding_text(document, c)
                h = embed_hash(model_name, text)
                texts[h], chunk_texts[h] = text, c.text
                hashes.append(h)
            plan.documents.append(PlannedDocument(s.rel, document, chunks, hashes))
    if plan.previous is not None and texts:
        plan.reused = cached_vectors(plan.previous.path, sorted(texts))
    missing = [h for h in texts if h not in plan.reused]
    sentence_spans = [split_sentences(chunk_texts[h]) for h in missing]
    # The chunk text comes last in what the encoder reads, after the title and heading.
    leads = [len(texts[h]) - len(chunk_texts[h]) for h in missing]
    plan.job = EmbeddingJob(
        hashes=missing, texts=[texts[h] for h in missing],
        spans=[[(lead + a, lead + b) for a, b in spans] for spans, lead in zip(sentence_spans, leads)],
        sentence_spans=sentence_spans,
    )
    report.chunks_reused = sum(len(d.hashes) for d in plan.documents) - len(missing)
