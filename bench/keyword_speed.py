"""Keyword search alone, in process: the BM25 impact index against FTS5 and the `bm25s` package
on the same generation and queries.

    .venv/bin/python bench/keyword_speed.py [--index DIR] [--queries 300] [--repeat 2] [--no-fts] [--no-bm25s] [--name NAME]

DIR defaults to the SciFact bench index (built or upgraded through our indexer); pass
~/.cache/statement-search/bench/scale-1000000/index for the 1M generation of bench/scale.py.
Queries are the SciFact test claims (speed only: nothing is tuned here), each searched for the
100 candidates a hybrid search asks of the keyword side, with its acronym expansions:
- impact: `ImpactRetriever.retrieve` on the generation's impact index (what serves now);
- fts5: the same call with the impact index taken away (the fallback; on a large index it
  drops the commonest query words to stay within KEYWORD_ROW_BUDGET);
- bm25s: `bm25s.BM25.retrieve` over the very same impact matrix and query terms (its own
  scoring loop, dense score array and top-k), for the choice of writing our own; left out
  when the package is not installed (it is no dependency of the project).
Passes run one after another over all queries (`--repeat` times; the last pass is reported),
so no engine finds the pages another just touched. Prints p50/p95/mean and writes
bench/results/keyword_speed.json (or keyword_speed-<name>.json with --name).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.keywords import FtsRetriever, ImpactRetriever, WordStats, impact_weights  # noqa: E402
from search_app.query import QueryPreparer, Scope  # noqa: E402

CANDIDATES = 100


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
            "mean_ms": round(statistics.fmean(ordered), 3), "queries": len(ordered)}


def bm25s_retriever(impact):
    """A bm25s.BM25 holding our impact matrix, so only its query path is compared."""
    import bm25s

    retriever = bm25s.BM25(k1=impact.params.k1, b=impact.params.b)
    retriever.scores = {"data": np.asarray(impact.data), "indices": np.asarray(impact.indices),
                        "indptr": np.asarray(impact.indptr), "num_docs": impact.chunk_count}
    retriever.vocab_dict = dict(impact.terms)
    retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
    retriever.nonoccurrence_array = None  # lucene-style BM25 has none
    return retriever


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-fts", action="store_true")
    parser.add_argument("--no-bm25s", action="store_true")
    parser.add_argument("--name", default="")
    args = parser.parse_args()

    if args.index is None:
        from indexer.embedders import make_embedder

        args.index = scifact_index(args.scifact, make_embedder("minilm"))
    generation = open_current(args.index)
    if generation.keyword_index is None:
        sys.exit(f"{generation.path} has no impact index: build it with the current indexer first")
    keywords = ImpactRetriever(generation)
    fts = FtsRetriever(generation, WordStats(generation))
    preparer = QueryPreparer(generation)
    queries = list(load_scifact(args.scifact, "test")[0].values())[: args.queries]
    prepared = {q: preparer.prepare(q) for q in queries}
    expansions = {q: prepared[q].expansions for q in queries}
    everywhere = Scope()

    engines = {"impact": lambda q: keywords.retrieve(prepared[q], CANDIDATES, everywhere)}
    if not args.no_fts:
        engines["fts5"] = lambda q: fts.retrieve(prepared[q], CANDIDATES, everywhere)
    try:
        import bm25s  # noqa: F401  (not a dependency of the project: only this comparison uses it)
    except ImportError:
        print("bm25s is not installed: leaving it out", file=sys.stderr)
        args.no_bm25s = True
    if not args.no_bm25s:
        retriever = bm25s_retriever(keywords.impact)
        k = min(CANDIDATES, keywords.impact.chunk_count)

        def with_bm25s(q):
            terms = [t for t in impact_weights(q, expansions[q]) if t in retriever.vocab_dict]
            if terms:
                retriever.retrieve([terms], k=k, show_progress=False)

        engines["bm25s"] = with_bm25s

    overlap = []
    for q in queries[:50]:
        a = list(keywords.retrieve(prepared[q], 10, everywhere))
        b = list(fts.retrieve(prepared[q], 10, everywhere))
        overlap.append(len(set(a) & set(b)) / max(1, len(b)))

    results: dict = {"generation": str(generation.path), "chunks": generation.counts().get("chunks"),
                     "postings": keywords.impact.postings, "terms": len(keywords.impact.vocabulary),
                     "top10_overlap_impact_vs_fts5": round(statistics.fmean(overlap), 3), "engines": {}}
    for name, fn in engines.items():
        for _ in range(args.repeat):
            times = []
            for q in queries:
                started = time.perf_counter()
                fn(q)
                times.append(1000 * (time.perf_counter() - started))
        results["engines"][name] = summary(times)
        r = results["engines"][name]
        print(f"{name:8} p50 {r['p50_ms']:7.2f} ms   p95 {r['p95_ms']:7.2f} ms   mean {r['mean_ms']:7.2f} ms", flush=True)
    print(f"{results['chunks']} chunks, {results['postings']} postings; top-10 overlap with FTS5 "
          f"{results['top10_overlap_impact_vs_fts5']:.2f} (first 50 queries)")
    out = ROOT / "bench" / "results" / (f"keyword_speed-{args.name}.json" if args.name else "keyword_speed.json")
    write_results(out, results)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
