"""Choose the hybrid fusion by measurement, never on the SciFact test queries.

    .venv/bin/python bench/tune_fusion.py [--limit N]

Tuning data: SciFact claims outside qrels/test.tsv (`--split dev` of bench/quality.py, relevant
documents from their own evidence) and our own questions (bench/questions.jsonl). Each query's
dense and keyword candidates are computed once and every fusion variant re-ranks them, so the
grid costs little. Prints one line per variant (SciFact-dev nDCG@10, own questions hit@1 and
MRR@10) and writes bench/results/tune_fusion.json.

Variants:
- rrf k=K w=W: reciprocal rank fusion, keyword lists weighted W against dense 1.
- convex a=A: A * dense + (1 - A) * keyword, each normalised to [0, 1] over its own candidate
  list (min-max; a candidate missing from a list scores 0 there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, Remembered, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    evaluate_questions,
    evaluate_scifact,
    load_questions,
    seed_index,
)
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.fusion import fuse_convex, fuse_rrf  # noqa: E402
from search_app.searcher import Searcher, Stages  # noqa: E402


class Switchable:
    """A fusion stage whose function the loop below sets per variant."""

    fuse_function = None

    def fuse(self, dense, keyword):
        return self.fuse_function(dense, keyword)


def tuning_searcher(generation, embedder, fusion: Switchable) -> Searcher:
    searcher = Searcher(generation, embedder, Stages(fusion=fusion))
    searcher.dense, searcher.keyword = Remembered(searcher.dense), Remembered(searcher.keyword)
    return searcher


def variants() -> dict:
    out = {}
    for k in (10, 60):
        for w in (1.0, 1.5):
            out[f"rrf k={k} w={w}"] = lambda d, kw, k=k, w=w: fuse_rrf(d, kw, k=k, keyword_weight=w)
    for a in (0.3, 0.4, 0.5, 0.6, 0.7):
        out[f"convex a={a}"] = lambda d, kw, a=a: fuse_convex(d, kw, dense_weight=a)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--limit", type=int, default=0, help="first N dev queries only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tune_fusion.json")
    args = parser.parse_args()

    embedder = make_embedder("minilm")
    queries, qrels = load_scifact(args.scifact, "dev", args.limit)
    fusion = Switchable()
    scifact = tuning_searcher(open_current(scifact_index(args.scifact, embedder)), embedder, fusion)
    seed = tuning_searcher(open_current(seed_index(embedder)), embedder, fusion)
    questions = load_questions()

    rows = {}
    print(f"{'variant':22} SciFact-dev nDCG@10  R@100   own hit@1  hit@5  MRR@10  answer-acc")
    for name, fuse in variants().items():
        fusion.fuse_function = fuse
        s = evaluate_scifact(scifact, queries, qrels, ["hybrid"])["hybrid"]
        o = evaluate_questions(seed, questions, "hybrid")
        rows[name] = {"scifact_dev": {k: s[k] for k in ("ndcg@10", "recall@100")},
                      "own": {k: o[k] for k in ("hit@1", "hit@5", "mrr@10", "answer_accuracy")}}
        print(f"{name:22} {s['ndcg@10']:.4f}              {s['recall@100']:.4f}  {o['hit@1']:.3f}      "
              f"{o['hit@5']:.3f}  {o['mrr@10']:.3f}   {o['answer_accuracy']:.3f}", flush=True)
    write_results(args.out, {"dev_queries": len(queries), "variants": rows})
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
