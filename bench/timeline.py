"""Timeline quality and speed: which statements a topic's timeline shows, against hand labels.

    .venv/bin/python bench/timeline.py [--tune] [--scifact DIR] [--runs 50]

- Statements: the 23 of corpus/ and bench/*-corpus/ in one index (real model). Topics were
  written and labelled by helpers who read the statements and never ran the system:
  bench/timeline-topics-dev.jsonl (tuned on) and bench/timeline-topics.jsonl (held out,
  reported only). A topic's statements are those that address it; "borderline" ones (a
  passing mention) count neither way.
- SciFact at scale: its 5,183 abstracts, each given a synthetic date (seed 14, 2000-2025) in a
  copy of the cached index. A claim's "statements" are its qrels documents: claims outside the
  test qrels are tuned on, the test claims reported.
- Precision: of the statements shown, the share that address the topic; recall: of those that
  address it, the share shown (micro over topics). Topics no statement addresses: how many
  show nothing.
- Speed: build_timeline p50/p95 over SciFact claims in process (--runs of them).

--tune prints the cut-off grid on the three development sets only (and nothing held out): the
dev topics, the paraphrased dev topics (bench/timeline-topics-dev2.jsonl: no 3-word run of any
statement in a query) and SciFact claims outside the test qrels. The shipped cut-offs are
TimelinePolicy's. Results: bench/results/timeline.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, DEFAULT_SCIFACT, load_scifact, scifact_index, time_calls  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import extended_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import Generation, open_current  # noqa: E402
from indexer.layout import MANIFEST, SQLITE  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402
from search_app.timeline import TimelinePolicy, build_timeline, rank_statements  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_TOPICS = ROOT / "bench" / "timeline-topics-dev.jsonl"
# Written like the first, but every query paraphrased (no 3-word run of any statement in it).
DEV2_TOPICS = ROOT / "bench" / "timeline-topics-dev2.jsonl"
TEST_TOPICS = ROOT / "bench" / "timeline-topics.jsonl"
EXTRA = tuple(ROOT / "bench" / name for name in ("dev-corpus", "holdout-corpus", "holdout3-corpus"))
RESULTS = ROOT / "bench" / "results" / "timeline.json"
GRID = [(rank, similarity) for rank in (1.0, 1.1, 1.2, 1.3, 1.4) for similarity in (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)]
SCIFACT_DEV_LIMIT = 300


def load_topics(path: Path) -> list[dict]:
    topics = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            t = json.loads(line)
            stem = lambda key: Path(key.split("/", 1)[1]).stem  # noqa: E731
            topics.append({"id": t["id"], "query": t["query"], "relevant": {stem(k) for k in t["relevant"]},
                           "borderline": {stem(k) for k in t.get("borderline", [])}})
    return topics


def scored(searcher: Searcher, topics: list[dict]) -> list[dict]:
    """Each topic with every ranked statement's Relevance (nothing cut yet)."""
    out = []
    for t in topics:
        _, _, _, _, relevance = rank_statements(searcher, SearchRequest(t["query"]))
        out.append({**t, "relevance": relevance})
    return out


def evaluate(topics: list[dict], policy: TimelinePolicy) -> dict:
    tp = fp = fn = 0
    empty_right = empty_total = 0
    for t in topics:
        shown = {d for d, r in t["relevance"].items() if r.admitted(policy)} - t["borderline"]
        tp += len(shown & t["relevant"])
        fp += len(shown - t["relevant"])
        fn += len(t["relevant"] - shown)
        if not t["relevant"]:
            empty_total += 1
            empty_right += not shown
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"min_rank_score": policy.min_rank_score, "min_similarity": policy.min_similarity,
            "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "unaddressed_shown_nothing": f"{empty_right}/{empty_total}", "topics": len(topics)}


def dated_scifact(index: Path, seed: int = 14) -> Generation:
    """A copy of the SciFact generation whose documents carry synthetic dates."""
    source = open_current(index).path
    target = CACHE / "scifact-dated" / source.name
    if not target.exists():
        shutil.copytree(source, target.with_suffix(".tmp"), dirs_exist_ok=True)
        db = sqlite3.connect(target.with_suffix(".tmp") / SQLITE)
        rng = random.Random(seed)
        ids = [r[0] for r in db.execute("SELECT doc_id FROM documents ORDER BY doc_id")]
        start = date(2000, 1, 1)
        db.executemany("UPDATE documents SET date = ? WHERE doc_id = ?",
                       ((str(start + timedelta(days=rng.randrange(26 * 365))), d) for d in ids))
        db.commit()
        db.close()
        manifest_path = target.with_suffix(".tmp") / MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["files"][SQLITE] = (target.with_suffix(".tmp") / SQLITE).stat().st_size
        manifest_path.write_text(json.dumps(manifest))
        target.with_suffix(".tmp").rename(target)
    return Generation.open(target)


def scifact_topics(searcher: Searcher, scifact: Path, split: str, limit: int = 0) -> list[dict]:
    queries, qrels = load_scifact(scifact, split, limit)
    by_external = {searcher.document_info(d.doc_id).external_id: d.doc_id for d in searcher.generation.documents()}
    return [{"id": qid, "query": text, "relevant": {by_external[d] for d in qrels[qid] if d in by_external},
             "borderline": set()} for qid, text in queries.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="print the cut-off grid on the development sets")
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    statements = Searcher(open_current(extended_index("timeline", EXTRA, embedder)), embedder, SERVER_STAGES)
    scifact = Searcher(dated_scifact(scifact_index(args.scifact, embedder)), embedder, SERVER_STAGES)
    policy = TimelinePolicy()
    results: dict = {"policy": {"min_rank_score": policy.min_rank_score, "min_similarity": policy.min_similarity}}
    if args.tune:
        dev = scored(statements, load_topics(DEV_TOPICS))
        dev2 = scored(statements, load_topics(DEV2_TOPICS))
        scifact_dev = scored(scifact, scifact_topics(scifact, args.scifact, "dev", SCIFACT_DEV_LIMIT))
        print("rank sim   dev topics P / R / F1 (empty)  paraphrased P / R / F1 (empty)  SciFact dev P / R / F1   mean F1")
        for rank, similarity in GRID:
            policy = replace(TimelinePolicy(), min_rank_score=rank, min_similarity=similarity)
            rows = [evaluate(topics, policy) for topics in (dev, dev2, scifact_dev)]
            print(f"{rank:.1f} {similarity:.2f}  " + "   ".join(
                f"{r['precision']:.3f} / {r['recall']:.3f} / {r['f1']:.3f} ({r['unaddressed_shown_nothing']})"
                for r in rows) + f"   {sum(r['f1'] for r in rows) / 3:.3f}")
        return  # tuning never looks at the held-out topics or the test claims
    held_out = scored(statements, load_topics(TEST_TOPICS))
    scifact_test_topics = scifact_topics(scifact, args.scifact, "test")
    scifact_test = scored(scifact, scifact_test_topics)
    results["held_out_topics"] = evaluate(held_out, policy)
    results["scifact_test"] = evaluate(scifact_test, policy)
    results["speed_scifact"] = {**time_calls(lambda t: build_timeline(scifact, SearchRequest(t["query"])),
                                             scifact_test_topics, args.runs),
                                "documents": len(scifact.generation.documents()),
                                "chunks": scifact.generation.chunk_count}
    for name in ("held_out_topics", "scifact_test"):
        r = results[name]
        print(f"{name:16} precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}  "
              f"unaddressed topics showing nothing {r['unaddressed_shown_nothing']}  ({r['topics']} topics)")
    s = results["speed_scifact"]
    print(f"timeline on SciFact ({s['documents']} dated documents): p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms")
    write_results(RESULTS, results)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
