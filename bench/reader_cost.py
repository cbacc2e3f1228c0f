"""What a model-based reading stage would cost per question on this machine (issue 12): the
go/no-go on cost for a cross-encoder or late interaction built from the bundled MiniLM, before
anyone trains one.

    .venv/bin/python bench/reader_cost.py [--threads 1,2] [--repeat 3]

For every development question (questions.jsonl, questions-dev2.jsonl; no held-out question is
read) the product's own search and grounding give the sentences that may answer. Then, with the
bundled MiniLM on ONNX Runtime (the product's encoder, the same session code):
- cross-encoder: one batch of (question, sentence) pairs through the 6-layer encoder, as a
  MiniLM cross-encoder fine-tuned from these weights would run (its head is one dot product:
  free). The encoder's time is the whole cost, so no training is needed to know it;
- late interaction: one pass over the top three passages for their token states (the question's
  are already computed), and the storage instead if token states were kept at build time;
- /api/ask's own in-process time, for the budget (40 ms p50 over HTTP, issue 12).
A 2-layer cross-encoder (the first two layers kept) would cost about a third of the 6-layer
figure: the embeddings and the head are nearly free. Writes bench/results/reader_cost.json.
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

from bench.machine import write_results  # noqa: E402

from bench.quality import DEV2, DEV2_CORPUS, QUESTIONS, extended_index, load_questions  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import (  # noqa: E402
    ANSWER_PASSAGES,
    RANKING,
    answer_candidates,
    answer_question,
    default_answer_model,
    grounded_candidates,
    selection_score,
)
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

EMBEDDING_BYTES = 2  # float16, as the sentence vectors are stored


def run_pairs(session, tokenizer, pairs: list[tuple[str, str]]) -> None:
    encodings = tokenizer.encode_batch(pairs)
    feed_batch(session, encodings, pair=True)


def run_texts(session, tokenizer, texts: list[str]) -> int:
    encodings = tokenizer.encode_batch(texts)
    feed_batch(session, encodings, pair=False)
    return sum(len(e.ids) for e in encodings)


def feed_batch(session, encodings, pair: bool) -> None:
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
        if pair:
            types[row, : len(e.type_ids)] = e.type_ids
    session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})


def timed(fn, repeat: int) -> float:
    """The best of `repeat` runs, in ms: the cost itself, not the machine's hiccups."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 2), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "mean": round(statistics.fmean(ordered), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    index = extended_index("dev2", DEV2_CORPUS, make_embedder("minilm"))
    questions = [q["question"] for path in (QUESTIONS, DEV2) for q in load_questions(path)]
    model = default_answer_model()
    weights = model.selection_weights(RANKING)
    results: dict = {"questions": len(questions), "by_threads": {}}

    for threads in [int(t) for t in args.threads.split(",") if t]:
        embedder = make_embedder("minilm", threads=threads)
        searcher = Searcher(open_current(index), embedder)
        inner = embedder._get()  # the ONNX session and tokenizer the product itself runs
        session, tokenizer = inner.session, inner.tokenizer
        cross, late, ask, counts, tokens = [], [], [], [], []
        for question in questions:
            hits = searcher.search(SearchRequest(question, k=10)).hits
            ranked = sorted(answer_candidates(searcher.evidence, question, hits),
                            key=lambda c: -selection_score(c.features, weights))
            grounded = grounded_candidates(searcher.evidence, question, ranked)
            counts.append(len(grounded))
            if grounded:
                pairs = [(question, c.text) for c, _ in grounded]
                cross.append(timed(lambda: run_pairs(session, tokenizer, pairs), args.repeat))
            passages = [h.text for h in hits[:ANSWER_PASSAGES]]
            if passages:
                tokens.append(run_texts(session, tokenizer, passages))
                late.append(timed(lambda: run_texts(session, tokenizer, passages), args.repeat))
            ask.append(timed(lambda: answer_question(searcher, SearchRequest(question, k=5), model), args.repeat))
        results["by_threads"][threads] = {
            "grounded_sentences_per_question": {"p50": statistics.median(counts), "max": max(counts)},
            "cross_encoder_6_layers_ms": summary(cross),
            "cross_encoder_2_layers_ms_estimate": {k: round(v / 3, 2) for k, v in summary(cross).items()},
            "late_interaction_passage_states_ms": summary(late),
            "ask_in_process_ms": summary(ask),
        }
        results["late_interaction_storage"] = {
            "tokens_per_answer_passage_p50": statistics.median(tokens),
            "bytes_per_token": 384 * EMBEDDING_BYTES,
        }

    results["late_interaction_storage"]["note"] = (
        "token states kept at build time: tokens x 384 x 2 bytes; SciFact's 9,343 chunks x ~230 tokens "
        "would take ~1.6 GB beside a 117 MB SQLite file")
    out = ROOT / "bench" / "results" / "reader_cost.json"
    write_results(out, results)
    for threads, r in results["by_threads"].items():
        print(f"\nthreads={threads}  (questions: {len(questions)}; grounded sentences per question p50 "
              f"{r['grounded_sentences_per_question']['p50']}, max {r['grounded_sentences_per_question']['max']})")
        for name in ("cross_encoder_6_layers_ms", "cross_encoder_2_layers_ms_estimate",
                     "late_interaction_passage_states_ms", "ask_in_process_ms"):
            v = r[name]
            print(f"  {name:38} p50 {v['p50']:7.2f}  p95 {v['p95']:7.2f}")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
