"""What several bench scripts share: where BEIR SciFact lives, its queries and qrels, and the
SciFact index built (or reused) through our own indexer in a cache folder outside the repo.

Imported as `bench.common` (the scripts put the repository root on sys.path).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "statement-search" / "bench"


def load_scifact(scifact: Path, split: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(queries, qrels) in queries.jsonl order. `test`: the claims in qrels/test.tsv with their
    relevant documents; `dev`: the other claims, labelled by their own evidence annotations."""
    test: dict[str, set[str]] = {}
    with open(scifact / "qrels" / "test.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.strip().split("\t")
            if int(score) > 0:
                test.setdefault(qid, set()).add(did)
    queries, qrels = {}, {}
    with open(scifact / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            if split == "test" and q["_id"] in test:
                queries[q["_id"]], qrels[q["_id"]] = q["text"], test[q["_id"]]
            elif split == "dev" and q["_id"] not in test and q.get("metadata"):
                # Evidence annotations of non-test claims: labels for tuning only, never retriever input.
                queries[q["_id"]], qrels[q["_id"]] = q["text"], set(q["metadata"])
    return queries, qrels


def scifact_index(scifact: Path, embedder) -> Path:
    """The SciFact corpus indexed by our indexer in CACHE (built on first use, ~7 min on 2
    cores; later calls are a no-change build)."""
    from indexer.build import build_index

    corpus, index = CACHE / "scifact" / "corpus", CACHE / "scifact" / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    link = corpus / "scifact.jsonl"
    if not link.exists():
        link.symlink_to((scifact / "corpus.jsonl").resolve())
    report = build_index(corpus, index, embedder, progress=sys.stderr.isatty())
    print(f"SciFact index: {report.documents} documents, {report.chunks} chunks "
          f"({'built' if report.published else 'up to date'}, {report.seconds:.0f} s)", file=sys.stderr)
    return index
