"""Full and incremental builds: corpus/ -> a new published generation, and a report.

A build is three steps, each a function of plain values:

    plan   (plan.py)  what to read, chunk, embed and drop: a BuildPlan, ending in an EmbeddingJob
    embed  embed_job  the job's texts -> chunk and sentence vectors, by any Embedder (the seam a
                      cluster embedder plugs into)
    write  write_generation  the plan and the vectors -> a generation in a work folder, which
                      layout.IndexDir publishes by an atomic rename

Incremental by default: every corpus file is hashed; only new or changed files are read (and
files whose reader is new or changed since), and only chunks whose embedding input is new are
embedded. With nothing changed no generation is written and the model is never loaded.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .bm25 import keyword_index_current, write_impact_index
from .chunking import ChunkingParams
from .embedder import Embedder
from .errors import CorpusNotFound, NothingToIndex, writing
from .layout import FAISS, INDEX_FORMAT, KEYWORDS, IndexDir
from .multilingual import MultilingualEncoder, write_multilingual
from .plan import BuildPlan, EmbeddingJob, plan_contents, plan_files
from .report import BuildReport
from .store import GenerationWriter, write_manifest
from .vectors import build_vector_index, choose_kind, read_vector_index, update_vector_index, write_vector_index


@dataclass(frozen=True)
class Embedded:
    """What the embed step gives back: a vector per job text, and its sentences' vectors."""

    vectors: np.ndarray
    sentence_vectors: list[np.ndarray]


def build_index(
    corpus: Path,
    index: Path,
    embedder: Embedder,
    *,
    full: bool = False,
    params: ChunkingParams = ChunkingParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
    multilingual: MultilingualEncoder | None = None,
) -> BuildReport:
    """Build (incrementally unless `full`) and publish a generation. `embedder` may be lazy:
    it is only asked to embed when some chunk is new. Given `multilingual`, the generation also
    holds every chunk's vector from it (indexer/multilingual.py)."""
    started = time.perf_counter()
    corpus, index = Path(corpus), Path(index)
    if not corpus.is_dir():
        raise CorpusNotFound(corpus)
    index_dir = IndexDir(index)
    index_dir.check_ours()
    report = BuildReport(full=full)
    with index_dir.lock():
        index_dir.remove_stale()
        _build_locked(corpus, index_dir, embedder, params, full, progress, log, report, multilingual)
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(corpus: Path, index_dir: IndexDir, embedder: Embedder, params: ChunkingParams, full: bool,
                  progress: bool, log: Callable[[str], None], report: BuildReport,
                  multilingual: MultilingualEncoder | None) -> None:
    plan = plan_files(corpus, index_dir.current_path(), embedder.name, params, full, report)
    if plan.nothing_changed:
        manifest = plan.previous.manifest
        wanted = multilingual is None or manifest.get("multilingual", {}).get("model") == multilingual.name
        if keyword_index_current(manifest.get("keywords")) and wanted:
            counts = manifest.get("counts", {})
            report.documents, report.chunks = counts.get("documents", 0), counts.get("chunks", 0)
            return  # nothing changed: no new generation, no model
        # Still no model: every vector is reused; only the keyword index (or the multilingual
        # vectors) is written anew.
        report.note = ("the keyword index is missing or was built with other settings: rebuilding it" if wanted
                       else "adding multilingual vectors")
    plan_contents(plan, embedder.name, params, report, warn=report.warnings.append)
    if len(plan.job):
        log(f"embedding {len(plan.job)} chunks")
    embedded = embed_job(embedder, plan.job, progress)
    report.chunks_embedded = len(plan.job)
    # Only ask the embedder (which may load the model) when it already had to embed.
    dimension = int(embedder.dimension if len(plan.job) or not plan.previous or not plan.previous.dimension
                    else plan.previous.dimension)
    name = index_dir.next_name()
    workdir = index_dir.new_workdir(name)
    try:
        write_generation(workdir, plan, embedded, embedder.name, dimension, name, report, multilingual)
        index_dir.publish(workdir, name)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    report.generation = name
    index_dir.prune()


# ------------------------------------------------------------------ embed


def embed_job(embedder: Embedder, job: EmbeddingJob, progress: bool = False) -> Embedded:
    """Vectors of the job's texts and of their sentences, in one encoder pass per text."""
    if not len(job):
        return Embedded(np.zeros((0, 0), np.float32), [])
    if not progress:
        return Embedded(*embedder.embed_with_spans(job.texts, job.spans))
    from tqdm import tqdm

    with tqdm(total=len(job), unit="chunk", desc="embedding", mininterval=1.0) as bar:
        return Embedded(*embedder.embed_with_spans(job.texts, job.spans, progress=bar.update))


# ------------------------------------------------------------------ write


def write_generation(workdir: Path, plan: BuildPlan, embedded: Embedded, model_name: str, dimension: int,
                     name: str, report: BuildReport, multilingual: MultilingualEncoder | None = None) -> None:
    """Everything the plan and the vectors say, written into `workdir` as generation `name`."""
    previous = plan.previous
    writer = GenerationWriter(workdir, base=previous.path if previous else None)
    vectors = dict(plan.reused)
    for h, v, spans, sv in zip(plan.job.hashes, embedded.vectors, plan.job.sentence_spans, embedded.sentence_vectors):
        vectors[h] = v
        writer.add_sentences(h, spans, sv)
    removed_ids = writer.remove_documents(plan.stale_doc_ids())
    for rel in plan.removed:
        writer.remove_file(rel)
    added_ids, added_vectors = _add_documents(writer, plan, vectors, report)
    counts = writer.counts()
    if counts["documents"] == 0:
        writer.commit()
        raise NothingToIndex(plan.corpus, report.skipped)
    report.documents, report.chunks = counts["documents"], counts["chunks"]
    vector_index, vector_info = _vector_index(writer, previous, counts["chunks"], dimension,
                                              removed_ids, added_ids, added_vectors)
    with writing(workdir.parent):
        keyword_info = write_impact_index(writer.keyword_rows(), workdir / KEYWORDS)
    chunk_rows = writer.chunk_rows() if multilingual is not None else []  # before commit closes the writer
    writer.commit()
    extra = {}
    if multilingual is not None:
        before = previous.manifest.get("multilingual") if previous else None
        with writing(workdir.parent):
            extra["multilingual"] = write_multilingual(workdir, chunk_rows, multilingual,
                                                       (previous.path, before) if before else None)
        report.multilingual_embedded = extra["multilingual"]["embedded"]
    with writing(workdir.parent):  # FAISS's own failures come as RuntimeError
        write_vector_index(vector_index, workdir / FAISS)
    write_manifest(workdir, {
        "format": INDEX_FORMAT,
        "generation": name,
        "model": {"name": model_name, "dimension": dimension},
        "fingerprint": plan.fingerprint,
        "readers": plan.readers,
        "vector_index": vector_info,
        "keywords": keyword_info,
        "counts": counts,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": __version__,
        **extra,
    })


def _add_documents(writer: GenerationWriter, plan: BuildPlan, vectors: dict[str, np.ndarray],
                   report: BuildReport) -> tuple[list[int], list[np.ndarray]]:
    """Insert the planned documents and record every file read; returns the new chunk ids
    with their vectors."""
    existing = writer.existing_doc_ids()
    added_ids: list[int] = []
    added_vectors: list[np.ndarray] = []
    docs_by_file: dict[str, list[str]] = {rel: [] for rel in plan.read_ok}
    for planned in plan.documents:
        doc_id = planned.document.doc_id
        if doc_id in existing:
            report.skipped.append((planned.rel, f"document id {doc_id!r} already used by another file"))
            continue
        existing.add(doc_id)
        chunk_vectors = [vectors[h] for h in planned.hashes]
        added_ids.extend(writer.add_document(planned.document, planned.chunks, planned.hashes, chunk_vectors))
        added_vectors.extend(chunk_vectors)
        docs_by_file[planned.rel].append(doc_id)
    files = plan.previous_files
    for s in plan.to_read:
        if s.rel in docs_by_file:
            writer.set_file(s.record(tuple(docs_by_file[s.rel])))
        else:  # unreadable: remember why, keep what an earlier version indexed
            kept = files.get(s.rel)
            writer.set_file(s.record(kept.doc_ids if kept else (), plan.unreadable.get(s.rel)))
    return added_ids, added_vectors


def _vector_index(writer: GenerationWriter, previous, n_chunks: int, dimension: int,
                  removed_ids: list[int], added_ids: list[int], added_vectors: list[np.ndarray]):
    """The previous generation's FAISS index brought up to date, or a new one when there is
    none or the index kind for this size changed."""
    prev_info = previous.manifest.get("vector_index", {}) if previous else {}
    if previous is not None and prev_info.get("kind") == choose_kind(n_chunks):
        vector_index = read_vector_index(previous.path / FAISS, prev_info)
        update_vector_index(
            vector_index,
            np.asarray(removed_ids, dtype=np.int64),
            np.asarray(added_ids, dtype=np.int64),
            np.asarray(added_vectors, dtype=np.float32).reshape(-1, dimension),
        )
        return vector_index, prev_info
    ids, vectors = writer.all_vectors(dimension)
    return build_vector_index(ids, vectors, dimension)
