"""Search quality: BEIR SciFact through our own pipeline, and our own questions about the seed corpus.

    .venv/bin/python bench/quality.py                 # SciFact test queries + own questions, all modes
    .venv/bin/python bench/quality.py --split dev     # SciFact queries outside the test qrels (for tuning)
    .venv/bin/python bench/quality.py --skip-scifact  # own questions only (seconds)

SciFact is indexed from ../shared/benchmarks/scifact/corpus.jsonl by the indexer (JSONL reader,
same chunking, same model) into a cache folder outside the repo, then every query goes through
`Searcher`; a document scores by its best chunk. nDCG@10 and Recall@100 use the standard
definitions (binary relevance, log2 discount, ideal DCG from the qrels).

Tuning uses `--split dev`: SciFact claims that are NOT in qrels/test.tsv, with the relevant
documents taken from their own evidence annotations, plus bench/questions.jsonl. The 300 test
queries are only ever reported.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CACHE, DEFAULT_SCIFACT, load_scifact, scifact_index  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import answer_question, default_answer_model  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

QUESTIONS = ROOT / "bench" / "questions.jsonl"
# Written by someone who never ran the system, and never tuned on: the honest figure.
HOLDOUT = ROOT / "bench" / "questions-holdout.jsonl"
MODES = ("semantic", "keyword", "hybrid")
ANCHORS = {"semantic": ("all-MiniLM-L6-v2 dense (MTEB)", 0.645), "keyword": ("BM25 (BEIR paper)", 0.665),
           "hybrid": ("txtai hybrid", 0.713)}


# ------------------------------------------------------------------ metrics


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


# ------------------------------------------------------------------ SciFact


def rank_documents(searcher: Searcher, query: str, mode: str, depth: int = 100) -> list[str]:
    """Documents by their best passage, best first (external ids)."""
    passages = searcher.rank(SearchRequest(query, k=depth, mode=mode), depth)
    docs: list[str] = []
    for p in passages:
        doc = _external_id(searcher, p.doc_id)
        if doc not in docs:
            docs.append(doc)
    return docs[:depth]


_EXTERNAL: dict[str, str] = {}


def _external_id(searcher: Searcher, doc_id: str) -> str:
    if doc_id not in _EXTERNAL:
        info = searcher.document_info(doc_id)
        _EXTERNAL[doc_id] = info.external_id or doc_id
    return _EXTERNAL[doc_id]


def evaluate_scifact(searcher: Searcher, queries, qrels, modes) -> dict:
    out = {}
    for mode in modes:
        ndcgs, recalls, times = [], [], []
        for qid, text in queries.items():
            started = time.perf_counter()
            docs = rank_documents(searcher, text, mode)
            times.append(time.perf_counter() - started)
            ndcgs.append(ndcg_at(docs, qrels[qid]))
            recalls.append(recall_at(docs, qrels[qid]))
        out[mode] = {"ndcg@10": round(statistics.fmean(ndcgs), 4), "recall@100": round(statistics.fmean(recalls), 4),
                     "queries": len(queries), "median_ms": round(1000 * statistics.median(times), 1)}
    return out


# ------------------------------------------------------------------ own questions


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_index(embedder) -> Path:
    index = CACHE / "seed" / "index"
    build_index(ROOT / "corpus", index, embedder)
    return index


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


def normalise_answer(text: str) -> str:
    """Case, "&"/"and", dash and quote styles and spacing do not make an answer wrong."""
    text = _DASHES.sub("-", text.lower().replace("&", " and "))
    for curly, straight in _QUOTES.items():
        text = text.replace(curly, straight)
    return " ".join(text.split())


def contains_answer(returned: str, expected: str) -> bool:
    return normalise_answer(expected) in normalise_answer(returned)


def is_hit(hit, question: dict, documents: dict) -> bool:
    """A passage answers when it comes from the expected document and holds the evidence."""
    if hit.citation.source != question["source"]:
        return False
    text = documents[hit.citation.doc_id]
    at = text.find(question["evidence"])
    if at < 0:  # cleaning may join wrapped lines: fall back to the answer inside the passage
        return contains_answer(hit.text, question["answer"])
    return hit.citation.start < at + len(question["evidence"]) and at < hit.citation.end


def evaluate_questions(searcher: Searcher, questions: list[dict], mode: str = "hybrid", model=None) -> dict:
    model = model or default_answer_model()
    documents = {}
    for info in searcher.generation.documents():
        documents[info.doc_id] = searcher.generation.document(info.doc_id).text
    answerable = [q for q in questions if q["answerable"]]
    unanswerable = [q for q in questions if not q["answerable"]]
    hit1 = hit5 = rr = correct = wrongly_abstained = 0
    misses = []
    for q in answerable:
        result = answer_question(searcher, SearchRequest(q["question"], k=10, mode=mode), model)
        ranks = [i for i, h in enumerate(result.passages, start=1) if is_hit(h, q, documents)]
        first = ranks[0] if ranks else None
        hit1 += first == 1
        hit5 += bool(first and first <= 5)
        rr += 1.0 / first if first else 0.0
        if result.answer is None:
            wrongly_abstained += 1
            misses.append((q["id"], "abstained", q["question"]))
        elif contains_answer(result.answer.text, q["answer"]):
            correct += 1
        else:
            misses.append((q["id"], f"answered {result.answer.text[:80]!r}", q["question"]))
        if first != 1:
            misses.append((q["id"], f"first relevant passage at {first}", q["question"]))
    abstained = 0
    for q in unanswerable:
        result = answer_question(searcher, SearchRequest(q["question"], k=10, mode=mode), model)
        if result.answer is None:
            abstained += 1
        else:
            misses.append((q["id"], f"answered {result.answer.text[:80]!r}", q["question"]))
    n = len(answerable)
    return {
        "answerable": n, "unanswerable": len(unanswerable),
        "hit@1": round(hit1 / n, 4), "hit@5": round(hit5 / n, 4), "mrr@10": round(rr / n, 4),
        "answer_accuracy": round(correct / n, 4),
        "answerable_abstained": wrongly_abstained,
        "unanswerable_abstained": abstained,
        "misses": misses,
    }


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description="Search quality benchmark")
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--skip-scifact", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="first N queries only (quick looks)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    embedder = make_embedder("minilm")
    results: dict = {"split": args.split}

    if not args.skip_scifact:
        queries, qrels = load_scifact(args.scifact, args.split, args.limit)
        searcher = Searcher(open_current(scifact_index(args.scifact, embedder)), embedder)
        results["scifact"] = evaluate_scifact(searcher, queries, qrels, modes)

    seed = Searcher(open_current(seed_index(embedder)), embedder)
    results["own_questions"] = {mode: evaluate_questions(seed, load_questions(), mode) for mode in modes}
    if HOLDOUT.exists():
        results["holdout_questions"] = {mode: evaluate_questions(seed, load_questions(HOLDOUT), mode) for mode in modes}

    out = args.out or ROOT / "bench" / "results" / f"quality-{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")

    if "scifact" in results:
        print(f"\nSciFact ({args.split}, {len(queries)} queries)   nDCG@10   Recall@100   anchor nDCG@10")
        for mode, r in results["scifact"].items():
            name, value = ANCHORS[mode]
            print(f"  {mode:10}                    {r['ndcg@10']:.3f}     {r['recall@100']:.3f}       {value:.3f} {name}")
    for key, label in (("own_questions", "Own questions (dev)"), ("holdout_questions", "Held-out questions")):
        if key not in results:
            continue
        print(f"\n{label:27}hit@1  hit@5  MRR@10  answer-acc  abstained(unans)  abstained(ans)")
        for mode, r in results[key].items():
            print(f"  {mode:10}               {r['hit@1']:.3f}  {r['hit@5']:.3f}  {r['mrr@10']:.3f}   {r['answer_accuracy']:.3f}"
                  f"       {r['unanswerable_abstained']}/{r['unanswerable']}             {r['answerable_abstained']}/{r['answerable']}")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
