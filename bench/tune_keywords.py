"""Choose the BM25 impact index's fields, k1 and b by measurement, never on the SciFact test queries.

    .venv/bin/python bench/tune_keywords.py [--limit N] [--stage fields|k1b|expansion|all]

Tuning data as bench/tune_fusion.py: SciFact claims outside qrels/test.tsv (`--split dev` of
bench/quality.py) and our own questions (bench/questions.jsonl). Every variant builds an impact
index in memory from the chunks of the cached SciFact and seed generations (indexer/bm25.py,
the terms of each chunk extracted once) and searches it in keyword and hybrid mode; the dense
candidates are computed once per query. FTS5 (the fallback, what served before) is measured in
the same run for comparison. Stages: `fields` (text / heading / title weights at k1 1.2, b 0.75),
`k1b` (a grid at the chosen field weights), `expansion` (the weight of an acronym's long-form
words). Prints one line per variant and writes bench/results/tune_keywords.json.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, Remembered, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import evaluate_questions, evaluate_scifact, load_questions, seed_index  # noqa: E402
from indexer import bm25  # noqa: E402
from indexer.bm25 import BM25Params, build_impact_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app import keywords  # noqa: E402
from search_app.keywords import FtsRetriever, ImpactRetriever  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

FIELD_VARIANTS = [(1.0, 0.0, 0.0), (1.0, 0.2, 0.1), (1.0, 0.2, 0.3), (1.0, 0.5, 0.5), (1.0, 0.2, 0.6), (1.0, 1.0, 1.0)]
K1S = (0.9, 1.2, 1.5)
BS = (0.4, 0.6, 0.75, 0.9)
EXPANSION_WEIGHTS = (0.25, 0.5, 1.0)


def remembering_searcher(generation, embedder) -> Searcher:
    """A Searcher whose dense candidates are computed once per query (its keyword side is
    swapped per variant)."""
    searcher = Searcher(generation, embedder)
    searcher.dense = Remembered(searcher.dense)
    return searcher


def measure(scifact, seed, queries, qrels, questions) -> dict:
    s = evaluate_scifact(scifact, queries, qrels, ["keyword", "hybrid"])
    out = {f"dev_{m}": {k: s[m][k] for k in ("ndcg@10", "recall@100")} for m in s}
    for mode in ("keyword", "hybrid"):
        o = evaluate_questions(seed, questions, mode)
        out[f"own_{mode}"] = {k: o[k] for k in ("hit@1", "hit@5", "mrr@10")}
    return out


def line(name: str, r: dict) -> str:
    return (f"{name:34} {r['dev_keyword']['ndcg@10']:.4f}  {r['dev_hybrid']['ndcg@10']:.4f}  "
            f"{r['dev_hybrid']['recall@100']:.4f}   {r['own_keyword']['hit@1']:.3f} {r['own_keyword']['mrr@10']:.3f}  "
            f"{r['own_hybrid']['hit@1']:.3f} {r['own_hybrid']['hit@5']:.3f} {r['own_hybrid']['mrr@10']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--limit", type=int, default=0, help="first N dev queries only")
    parser.add_argument("--stage", choices=("fields", "k1b", "expansion", "all"), default="all")
    parser.add_argument("--fields", default="", help="text,heading,title weights for the k1b stage (default: best of fields)")
    parser.add_argument("--field-grid", default="", help="weights for the fields stage, e.g. '1,0.2,0.1;1,0,0'")
    parser.add_argument("--k1", type=float, default=BM25Params.k1, help="k1 of the fields stage")
    parser.add_argument("--b", type=float, default=BM25Params.b, help="b of the fields stage")
    parser.add_argument("--k1s", default=",".join(map(str, K1S)), help="k1 values of the k1b stage")
    parser.add_argument("--bs", default=",".join(map(str, BS)), help="b values of the k1b stage")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tune_keywords.json")
    args = parser.parse_args()

    embedder = make_embedder("minilm")
    queries, qrels = load_scifact(args.scifact, "dev", args.limit)
    scifact = remembering_searcher(open_current(scifact_index(args.scifact, embedder)), embedder)
    seed = remembering_searcher(open_current(seed_index(embedder)), embedder)
    questions = load_questions()
    # Terms of a text are the same in every variant: extract them once.
    bm25.extract_terms = functools.lru_cache(maxsize=None)(bm25.extract_terms)
    rows = {"scifact": list(scifact.generation.keyword_rows()), "seed": list(seed.generation.keyword_rows())}

    def use(params: BM25Params | None) -> None:
        for name, searcher in (("scifact", scifact), ("seed", seed)):
            generation = searcher.generation
            searcher.keyword = (FtsRetriever(generation, searcher.stats) if params is None
                                else ImpactRetriever(generation, build_impact_index(rows[name], params)))

    results: dict = {"dev_queries": len(queries), "variants": {}}

    def run(name: str, params: BM25Params | None) -> dict:
        started = time.perf_counter()
        use(params)
        r = measure(scifact, seed, queries, qrels, questions)
        results["variants"][name] = r
        print(line(name, r) + f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        return r

    print(f"{'variant':34} dev-kw  dev-hyb  hyb-R@100  own-kw h@1 mrr  own-hyb h@1 h@5 mrr")
    run("fts5 (fallback)", None)
    base = BM25Params(k1=args.k1, b=args.b)
    grid = [tuple(float(x) for x in v.split(",")) for v in args.field_grid.split(";")] if args.field_grid else FIELD_VARIANTS
    if args.stage in ("fields", "all"):
        for t, h, ti in grid:
            run(f"fields {t}/{h}/{ti} k1={base.k1} b={base.b}", replace(base, text=t, heading=h, title=ti))
    if args.fields:
        t, h, ti = (float(x) for x in args.fields.split(","))
        base = replace(base, text=t, heading=h, title=ti)
    elif args.stage == "all":
        best = max((k for k in results["variants"] if k.startswith("fields")),
                   key=lambda k: results["variants"][k]["dev_hybrid"]["ndcg@10"] + results["variants"][k]["dev_keyword"]["ndcg@10"])
        t, h, ti = (float(x) for x in best.split()[1].split("/"))
        base = replace(base, text=t, heading=h, title=ti)
    if args.stage in ("k1b", "all"):
        for k1 in (float(x) for x in args.k1s.split(",")):
            for b in (float(x) for x in args.bs.split(",")):
                run(f"fields {base.text}/{base.heading}/{base.title} k1={k1} b={b}", replace(base, k1=k1, b=b))
    if args.stage in ("expansion", "all"):
        default = keywords.EXPANSION_WEIGHT
        for w in EXPANSION_WEIGHTS:
            keywords.EXPANSION_WEIGHT = w
            run(f"default params, expansion words x{w}", BM25Params())
        keywords.EXPANSION_WEIGHT = default
    write_results(args.out, results)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
