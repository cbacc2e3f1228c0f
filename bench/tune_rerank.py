"""Choose the reranking weights (DocumentMatch, SentenceMatch: search_app/rerankers.py) by
measurement, never on test queries or held-out questions:

    .venv/bin/python bench/tune_rerank.py [--limit 300] [--weights 0,0.4] [--sentence-weights 0.1,0.2]

For each match weight, recency weights at one match weight, and SentenceMatch weights after
DocumentMatch at that weight: our own questions and dev set 2 (hit@1, MRR, answer accuracy, span exact
match) and SciFact claims outside the test qrels (hybrid nDCG@10: a corpus whose queries
rarely name a year, where the stage must not hurt). Writes bench/results/tune_rerank.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    DEV2,
    DEV2_CORPUS,
    evaluate_questions,
    evaluate_scifact,
    extended_index,
    load_questions,
    seed_index,
)
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.rerankers import DocumentMatch, SentenceMatch  # noqa: E402
from search_app.searcher import Searcher, Stages  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.4)
RECENCY = (0.0, 0.05, 0.1)
SENTENCE = (0.1, 0.2, 0.3, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--limit", type=int, default=300, help="SciFact dev claims")
    parser.add_argument("--weights", type=lambda t: [float(x) for x in t.split(",") if x], default=None,
                        help=f"match weights to try (default {WEIGHTS})")
    parser.add_argument("--recency-at", type=float, default=0.4,
                        help="the match weight the recency and sentence variants use")
    parser.add_argument("--recency", type=lambda t: [float(x) for x in t.split(",") if x], default=None,
                        help=f"recency weights to try (default {RECENCY})")
    parser.add_argument("--sentence-weights", type=lambda t: [float(x) for x in t.split(",") if x], default=None,
                        help=f"SentenceMatch weights to try (default {SENTENCE})")
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    generations = {"own": open_current(seed_index(embedder)), "dev2": open_current(extended_index("dev2", DEV2_CORPUS, embedder)),
                   "scifact": open_current(scifact_index(args.scifact, embedder))}
    questions = {"own": load_questions(), "dev2": load_questions(DEV2)}
    queries, qrels = load_scifact(args.scifact, "dev", args.limit)
    rows = {}
    print(f"{'weight':8} own hit@1 MRR answer span-EM | dev2 hit@1 MRR answer span-EM | SciFact-dev nDCG@10")
    at = args.recency_at
    variants = ([(w, 0.0, 0.0) for w in (args.weights if args.weights is not None else WEIGHTS)]
                + [(at, r, 0.0) for r in (args.recency if args.recency is not None else RECENCY) if r]
                + [(at, 0.0, s) for s in (args.sentence_weights if args.sentence_weights is not None else SENTENCE) if s])
    for w, recency, sentence in variants:
        stages = Stages(rerankers=((DocumentMatch(w, recency),) if (w or recency) else ())
                        + ((SentenceMatch(sentence),) if sentence else ()))
        row = {}
        for name in ("own", "dev2"):
            r = evaluate_questions(Searcher(generations[name], embedder, stages), questions[name], "hybrid")
            row[name] = {k: r[k] for k in ("hit@1", "mrr@10", "answer_accuracy", "span_exact", "answerable_abstained")}
        row["scifact_dev"] = evaluate_scifact(Searcher(generations["scifact"], embedder, stages), queries, qrels, ["hybrid"])["hybrid"]["ndcg@10"]
        rows[f"{w} recency {recency} sentence {sentence}"] = row
        o, d = row["own"], row["dev2"]
        print(f"{w:<4}{recency:<5}{sentence:<4} {o['hit@1']:.3f} {o['mrr@10']:.3f} {o['answer_accuracy']:.3f} {o['span_exact']:.3f} | "
              f"{d['hit@1']:.3f} {d['mrr@10']:.3f} {d['answer_accuracy']:.3f} {d['span_exact']:.3f} | {row['scifact_dev']:.4f}",
              flush=True)
    out = ROOT / "bench" / "results" / "tune_rerank.json"
    write_results(out, {"scifact_dev_queries": len(queries), "weights": rows})
    print(f"written to {out}")


if __name__ == "__main__":
    main()
