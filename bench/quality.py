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
from bench.machine import encoder_info, write_results  # noqa: E402
from indexer.facets import country_spans  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import answer_question, default_answer_model  # noqa: E402
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

QUESTIONS = ROOT / "bench" / "questions.jsonl"
# Written by someone who never ran the system, and never tuned on: the honest figure.
HOLDOUT = ROOT / "bench" / "questions-holdout.jsonl"
# The same, over the seed corpus and four further (fictional) statements nobody tuned on.
HOLDOUT2 = ROOT / "bench" / "questions-holdout2.jsonl"
HOLDOUT2_CORPUS = ROOT / "bench" / "holdout-corpus"
# The same again: the seed, holdout-corpus/ and ten more fictional statements (holdout3-corpus/).
HOLDOUT3 = ROOT / "bench" / "questions-holdout3.jsonl"
HOLDOUT3_CORPUS = (HOLDOUT2_CORPUS, ROOT / "bench" / "holdout3-corpus")
# Development questions we tune on, over the seed corpus and four further (fictional) statements.
DEV2 = ROOT / "bench" / "questions-dev2.jsonl"
# A third development set, over the seed corpus and eight more fictional statements (2009-2026)
# by a helper that saw neither the other sets nor the held-out corpora.
DEV3 = ROOT / "bench" / "questions-dev3.jsonl"
DEV3_CORPUS = ROOT / "bench" / "dev3-corpus"
DEV2_CORPUS = ROOT / "bench" / "dev-corpus"
# A fourth development set, over the seed, dev-corpus/, dev3-corpus/ and eight more fictional
# statements in dev4-corpus/ (25 documents), by a helper that saw no other question set.
DEV4 = ROOT / "bench" / "questions-dev4.jsonl"
DEV4_CORPUS = (DEV2_CORPUS, DEV3_CORPUS, ROOT / "bench" / "dev4-corpus")
# A fourth held-out set, over the seed, holdout-corpus/, holdout3-corpus/ and ten more fictional
# statements in holdout4-corpus/ (29 documents), by a helper that never ran the system.
HOLDOUT4 = ROOT / "bench" / "questions-holdout4.jsonl"
HOLDOUT4_CORPUS = (HOLDOUT2_CORPUS, ROOT / "bench" / "holdout3-corpus", ROOT / "bench" / "holdout4-corpus")
# Dev set 5: dev set 4's corpus and ten more fictional statements (35 documents; bench/README).
DEV5 = ROOT / "bench" / "questions-dev5.jsonl"
DEV5_CORPUS = (*DEV4_CORPUS, ROOT / "bench" / "dev5-corpus")
# Held-out set 5: held-out set 4's corpus and ten more fictional statements (39; bench/README).
HOLDOUT5 = ROOT / "bench" / "questions-holdout5.jsonl"
HOLDOUT5_CORPUS = (*HOLDOUT4_CORPUS, ROOT / "bench" / "holdout5-corpus")
# Dev sets 6 and 7, held-out set 6: each over set 5's corpus and ten more statements (bench/README).
DEV6 = ROOT / "bench" / "questions-dev6.jsonl"
DEV6_CORPUS = (*DEV5_CORPUS, ROOT / "bench" / "dev6-corpus")
DEV7 = ROOT / "bench" / "questions-dev7.jsonl"
DEV7_CORPUS = (*DEV5_CORPUS, ROOT / "bench" / "dev7-corpus")
HOLDOUT6 = ROOT / "bench" / "questions-holdout6.jsonl"
HOLDOUT6_CORPUS = (*HOLDOUT5_CORPUS, ROOT / "bench" / "holdout6-corpus")
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


def extended_index(name: str, extra: Path | tuple[Path, ...], embedder) -> Path:
    """The seed corpus plus the statements in `extra` (one folder or several; their metadata
    merged), indexed in CACHE."""
    import shutil

    corpus, index = CACHE / name / "corpus", CACHE / name / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    metadata = {}
    for folder in (ROOT / "corpus", *((extra,) if isinstance(extra, Path) else extra)):
        for path in folder.iterdir():
            if path.name == "metadata.json":
                metadata.update(json.loads(path.read_text(encoding="utf-8")))
            elif path.is_file() and path.name != "README.md":
                shutil.copy2(path, corpus / path.name)
    (corpus / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    build_index(corpus, index, embedder)
    return index


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


# "20 and 21 November 2019", "20 to 21 November": the days "20-21 November 2019" writes with a dash.
_DAYS = re.compile(r"\b(\d{1,2})\s+(?:and|to)\s+(\d{1,2})\s+(january|february|march|april|may|june|july|august|september|"
                   r"october|november|december)\b")


def normalise_answer(text: str) -> str:
    """Case, "&"/"and", dash and quote styles, spacing and how a span of days is written do not
    make an answer wrong."""
    text = _DASHES.sub("-", text.lower().replace("&", " and "))
    for curly, straight in _QUOTES.items():
        text = text.replace(curly, straight)
    return _DAYS.sub(r"\1-\2 \3", " ".join(text.split()))


def contains_answer(returned: str, expected: str) -> bool:
    return normalise_answer(expected) in normalise_answer(returned)


_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
# A person's courtesy title and post-nominal: "Ms Kirsten Oakley", "the Hon. Gregory Ashcombe MP"
# name the same person as "Kirsten Oakley" (the question sets differ on whether to write them).
_COURTESY = re.compile(r"^(?:(?:mr|mrs|ms|dr|h\.e\.|sir|dame|(?:the\s+)?hon\.?)\s+)+|\s+mp$")


# A body's initials in brackets after its name: "International Labour Organization (ILO)".
_INITIALS_AFTER = re.compile(r"\s*\([A-Z][A-Za-z&-]{1,12}\)$")
_NUMBER_ONLY = re.compile(r"(?:(?:more than|fewer than|less than|about|over|nearly|some|at least|up to|approximately|around|"
                          r"almost) )?(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)")
# A reason's cue: "because travel restrictions ..." and "travel restrictions ..." give one reason.
_CUE = re.compile(r"^(?:because(?: of)?|owing to|due to|in order|so that) ")
# The words after a count that say what it counts: not a magnitude ("2 million", "2 bn"), a share
# ("5 per cent"), a month ("22 March"), a currency ("2 AUD") or a part ("28 of the participants").
_NOT_COUNTED = ("hundred|thousand|million|billion|bn|m|k|per|percent|percentage|of|january|february|march|april|may|"
                "june|july|august|september|october|november|december|aud|usd|nzd|eur|gbp|thb|myr|idr|php|bdt|sgd|jpy")
_COUNTED = re.compile(rf"(?!\s+(?:{_NOT_COUNTED})\b)(?:\s+[a-z][a-z'-]*){{1,3}}")


def span_matches(returned: str, expected: str) -> bool:
    """The short answer is the expected one, normalised (case, dashes, quotes, spacing, a
    leading article, a person's courtesy title, closing punctuation), and read as the same
    answer: a body's initials in brackets after its name, a place's country after it ("Kuala
    Lumpur, Malaysia"), the noun a bare count counts ("78" and "78 convictions", "more than
    5,700 officials") and a reason's cue ("because ...", "in order to ...") are extra words on
    either side, not another answer."""
    def norm(text: str) -> str:
        text = _INITIALS_AFTER.sub("", text.strip().rstrip(".,;:"))
        countries = country_spans(text)
        if countries and countries[-1][1] == len(text) and text[: countries[-1][0]].rstrip().endswith(","):
            place = text[: countries[-1][0]].rstrip().rstrip(",")
            if not (country_spans(place) and country_spans(place)[-1][1] == len(place)):  # "Thailand, Malaysia" is a list
                text = place
        return _COURTESY.sub("", _ARTICLE.sub("", _CUE.sub("", normalise_answer(text).strip(" .,;:'\"()"))))

    got, want = norm(returned), norm(expected)
    if got == want:
        return True
    # A bare count against the count with its noun, whichever side gives the noun.
    short, long = sorted((got, want), key=len)
    return bool(_NUMBER_ONLY.fullmatch(short) and long.startswith(short) and _COUNTED.fullmatch(long[len(short):]))


def span_f1(returned: str, expected: str) -> float:
    """SQuAD's token F1 between the short answer and the expected one."""
    got, want = normalise_answer(returned).split(), normalise_answer(expected).split()
    common = sum(min(got.count(t), want.count(t)) for t in set(got))
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


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
    documents = {info.doc_id: searcher.generation.document(info.doc_id).text for info in searcher.generation.documents()}
    answerable = [q for q in questions if q["answerable"]]
    unanswerable = [q for q in questions if not q["answerable"]]
    hit1 = hit5 = rr = correct = wrongly_abstained = span_exact = 0
    f1s: list[float] = []
    misses = []
    kinds: dict[str, dict[str, int]] = {}
    for q in answerable:
        result = answer_question(searcher, SearchRequest(q["question"], k=10, mode=mode), model)
        ranks = [i for i, h in enumerate(result.passages, start=1) if is_hit(h, q, documents)]
        first = ranks[0] if ranks else None
        hit1 += first == 1
        hit5 += bool(first and first <= 5)
        rr += 1.0 / first if first else 0.0
        answer = result.answer
        if answer is None:
            wrongly_abstained += 1
            f1s.append(0.0)
            misses.append((q["id"], "abstained", q["question"]))
        else:
            span = answer.span.text if answer.span else answer.text
            span_exact += span_matches(span, q["answer"])
            f1s.append(span_f1(span, q["answer"]))
            if contains_answer(answer.text, q["answer"]):
                correct += 1
            else:
                misses.append((q["id"], f"answered {answer.text[:80]!r}", q["question"]))
        if first != 1:
            misses.append((q["id"], f"first relevant passage at {first}", q["question"]))
        _count_kind(kinds, q, first == 1, answer)
    declined: dict[str, list[int]] = {}
    for q in unanswerable:
        result = answer_question(searcher, SearchRequest(q["question"], k=10, mode=mode), model)
        counts = declined.setdefault(q.get("type", "unanswerable"), [0, 0])
        counts[1] += 1
        if result.answer is None:
            counts[0] += 1
        else:
            misses.append((q["id"], f"answered {result.answer.text[:80]!r}", q["question"]))
    n = len(answerable)
    return {
        "answerable": n, "unanswerable": len(unanswerable),
        "hit@1": round(hit1 / n, 4), "hit@5": round(hit5 / n, 4), "mrr@10": round(rr / n, 4),
        "answer_accuracy": round(correct / n, 4),
        "span_exact": round(span_exact / n, 4), "span_f1": round(sum(f1s) / n, 4),
        "answerable_abstained": wrongly_abstained,
        # Answers given that do not hold the answer (a wrong sentence, or any answer to an
        # unanswerable question): what a reader would quote wrongly. Precision: the share of
        # the answers given that hold the answer.
        "wrong_answers": (n - wrongly_abstained - correct) + sum(c[1] - c[0] for c in declined.values()),
        "answer_precision": round(correct / max(1, correct + (n - wrongly_abstained - correct)
                                                + sum(c[1] - c[0] for c in declined.values())), 4),
        "unanswerable_abstained": sum(c[0] for c in declined.values()),
        "declined_by_type": {t: f"{c[0]}/{c[1]}" for t, c in sorted(declined.items())},
        "by_kind": {k: kinds[k] for k in sorted(kinds)},
        "misses": misses,
    }


def _count_kind(kinds: dict[str, dict[str, int]], q: dict, first: bool, answer) -> None:
    """Per type of question (date, number, why...; and "multi": several statements answer it
    differently): how many, right first passages, answers holding the answer, exact spans,
    declined. Aggregates, so a held-out set tells which kinds are weak without its questions
    being read one by one."""
    span = (answer.span.text if answer.span else answer.text) if answer else None
    for kind in (q.get("type", "other"), *(("multi",) if q.get("multi") else ())):
        row = kinds.setdefault(kind, {"n": 0, "hit@1": 0, "right": 0, "exact": 0, "declined": 0})
        row["n"] += 1
        row["hit@1"] += first
        row["declined"] += answer is None
        if answer is not None:
            row["right"] += contains_answer(answer.text, q["answer"])
            row["exact"] += span_matches(span, q["answer"])


# ------------------------------------------------------------------ main


# (results key, label, --sets name, questions, the statements beside the seed corpus they are asked over)
QUESTION_SETS = (("own_questions", "Own questions (dev)", "own", QUESTIONS, ()),
                 ("dev2_questions", "Dev set 2 (tuned on)", "dev2", DEV2, DEV2_CORPUS),
                 ("dev3_questions", "Dev set 3 (tuned on)", "dev3", DEV3, DEV3_CORPUS),
                 ("dev4_questions", "Dev set 4 (tuned on)", "dev4", DEV4, DEV4_CORPUS),
                 ("dev5_questions", "Dev set 5 (tuned on)", "dev5", DEV5, DEV5_CORPUS),
                 ("dev6_questions", "Dev set 6 (tuned on)", "dev6", DEV6, DEV6_CORPUS),
                 ("dev7_questions", "Dev set 7 (tuned on)", "dev7", DEV7, DEV7_CORPUS),
                 ("holdout_questions", "Held-out questions", "holdout", HOLDOUT, ()),
                 ("holdout2_questions", "Held-out set 2", "holdout2", HOLDOUT2, HOLDOUT2_CORPUS),
                 ("holdout3_questions", "Held-out set 3", "holdout3", HOLDOUT3, HOLDOUT3_CORPUS),
                 ("holdout4_questions", "Held-out set 4", "holdout4", HOLDOUT4, HOLDOUT4_CORPUS),
                 ("holdout5_questions", "Held-out set 5", "holdout5", HOLDOUT5, HOLDOUT5_CORPUS),
                 ("holdout6_questions", "Held-out set 6", "holdout6", HOLDOUT6, HOLDOUT6_CORPUS))


def print_questions(results: dict) -> None:
    for key, label, *_ in QUESTION_SETS:
        if key not in results:
            continue
        print(f"\n{label:23}hit@1  hit@5  MRR    answer  span-EM  span-F1  precision  wrong  answerable declined  declined (by type)")
        for mode, r in results[key].items():
            by_type = ", ".join(f"{t} {c}" for t, c in r["declined_by_type"].items())
            declined = f"{r['answerable_abstained']}/{r['answerable']}"
            print(f"  {mode:10}           {r['hit@1']:.3f}  {r['hit@5']:.3f}  {r['mrr@10']:.3f}  {r['answer_accuracy']:.3f}"
                  f"   {r['span_exact']:.3f}    {r['span_f1']:.3f}    {r['answer_precision']:.3f}      {r['wrong_answers']:<5}  "
                  f"{declined:21}{by_type}")


def print_kinds(results: dict) -> None:
    """Per set, per type of answerable question: n, hit@1, right answers, exact spans, declined."""
    for key, label, *_ in QUESTION_SETS:
        for mode, r in results.get(key, {}).items():
            print(f"\n{label} ({mode}): type  n  hit@1  right  exact  declined")
            for kind, c in r["by_kind"].items():
                print(f"  {kind:14} {c['n']:4}  {c['hit@1']:4}  {c['right']:5}  {c['exact']:5}  {c['declined']:5}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Search quality benchmark")
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--skip-scifact", action="store_true")
    parser.add_argument("--sets", default="own,dev2,dev3,dev4,dev5,dev6,dev7,holdout,holdout2,holdout3,holdout4,holdout5,holdout6",
                        help="question sets to run (tune with own and dev2..dev7 only: the held-out sets are for reporting)")
    parser.add_argument("--limit", type=int, default=0, help="first N queries only (quick looks)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--by-kind", action="store_true", help="also print each set's figures per type of question")
    parser.add_argument("--embedder", default="minilm", help="embedder kind (minilm, minilm-int8, ...); give "
                        "another kind its own XDG_CACHE_HOME, or the cached indexes are rebuilt for it each time")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    embedder = make_embedder(args.embedder)
    results: dict = {"split": args.split}

    if not args.skip_scifact:
        queries, qrels = load_scifact(args.scifact, args.split, args.limit)
        searcher = Searcher(open_current(scifact_index(args.scifact, embedder)), embedder)
        results["scifact"] = evaluate_scifact(searcher, queries, qrels, modes)

    question_modes = [m for m in modes if m == "hybrid"] or modes
    sets = set(args.sets.split(","))
    for key, _, name, path, extra in QUESTION_SETS:
        if name in sets and path.exists():
            index = extended_index(name, extra, embedder) if extra else seed_index(embedder)
            searcher = Searcher(open_current(index), embedder)
            results[key] = {mode: evaluate_questions(searcher, load_questions(path), mode) for mode in question_modes}

    out = args.out or ROOT / "bench" / "results" / f"quality-{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_results(out, results, encoder=encoder_info(args.embedder))

    if "scifact" in results:
        print(f"\nSciFact ({args.split}, {len(queries)} queries)   nDCG@10   Recall@100   anchor nDCG@10")
        for mode, r in results["scifact"].items():
            name, value = ANCHORS[mode]
            print(f"  {mode:10}                    {r['ndcg@10']:.3f}     {r['recall@100']:.3f}       {value:.3f} {name}")
    print_questions(results)
    if args.by_kind:
        print_kinds(results)
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
