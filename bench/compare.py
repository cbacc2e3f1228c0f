"""Statement comparison on constructed pairs whose labels are known, and its speed.

    .venv/bin/python bench/compare.py [--tune] [--seed 5] [--runs 50]

Each source statement becomes a pair: `a` is its paragraphs as plain text, `b` the same
edited with a fixed seed: about 15% of paragraphs removed (truth: only in a), 15% added from
another statement (only in b), 25% reworded (words swapped for synonyms; half of them also
redrafted: clauses rotated, one of three dropped), two moved elsewhere (same), the rest kept. Both go into one index
(real model) and compare_documents aligns them. A paragraph is right when its label is, and
for same/reworded, its counterpart too; accuracy is over all of a's and b's paragraphs.

Sources: corpus/ and bench/dev-corpus/ (9 statements) are tuned on, with three redrafts a
helper wrote by hand of statements there and in holdout-corpus/ (bench/compare-redrafts-dev/;
--tune prints the weight/cut-off grid on these and nothing else); bench/holdout-corpus/ and bench/holdout3-corpus/
(14 statements) are reported, and so are three redrafts a helper wrote by hand with real
paraphrase (bench/compare-redrafts/: a statement of holdout3-corpus/ as `a`, next year's
statement drafted from it as `b`, labelled). Speed: compare p50/p95 on the constructed pairs and on random
pairs of SciFact abstracts (a 5,183-document index). Results: bench/results/compare.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, DEFAULT_SCIFACT, scifact_index, time_calls  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.documents import read_documents  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.errors import UnreadableDocument  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from indexer.metadata import load_metadata  # noqa: E402
from indexer.paragraphs import split_paragraphs  # noqa: E402
from search_app.comparison import MEANING_WEIGHT, MIN_SIMILARITY, ONLY_A, ONLY_B, REWORDED, SAME, compare_documents  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_SOURCES = (ROOT / "corpus", ROOT / "bench" / "dev-corpus")
TEST_SOURCES = (ROOT / "bench" / "holdout-corpus", ROOT / "bench" / "holdout3-corpus")
RESULTS = ROOT / "bench" / "results" / "compare.json"
REDRAFTS = ROOT / "bench" / "compare-redrafts"  # held out: of holdout3-corpus/ statements
DEV_REDRAFTS = ROOT / "bench" / "compare-redrafts-dev"  # tuned on: of corpus/, dev-corpus/, holdout-corpus/
SYNONYMS = {
    "welcomed": "commended", "noted": "acknowledged", "encouraged": "urged", "agreed": "decided",
    "strengthen": "enhance", "support": "assist", "important": "vital", "continue": "keep",
    "Members": "Participants", "members": "participants", "countries": "states", "cooperation": "collaboration",
    "efforts": "work", "including": "such as", "also": "further", "significant": "considerable",
    "ensure": "make sure", "discussed": "considered", "highlighted": "underlined", "recognised": "acknowledged",
    "reaffirmed": "restated", "committed": "pledged", "meeting": "session", "Meeting": "Session",
    "officials": "officers", "victims": "survivors", "new": "fresh",
}
_NORMAL = re.compile(r"\s+")


def norm(text: str) -> str:
    return _NORMAL.sub(" ", text).strip()


def source_paragraphs(folder: Path) -> dict[str, list[str]]:
    """Each statement of a folder as its paragraphs that are sentences (12 words or more, ending
    in a full stop): headings and list lines would be joined to their neighbours when the
    constructed text is split again, and the truth would no longer match its paragraphs."""
    out = {}
    try:
        metadata = load_metadata(folder)
    except UnreadableDocument:  # holdout3-corpus says kind "news": titles and dates do not matter here
        metadata = {}
    for path in sorted(folder.iterdir()):
        if path.name in ("metadata.json", "README.md", "SOURCE.md") or not path.is_file():
            continue
        for document in read_documents(path, folder, metadata):
            paras = [norm(document.text[p.start : p.end]) for p in split_paragraphs(document.text, document.page_starts)]
            paras = [p for p in paras if len(p.split()) >= 12 and p.endswith(".")]
            if len(paras) >= 4:
                out[document.doc_id] = paras
    return out


def reword(text: str, rng: random.Random) -> str:
    """Light (half the time): up to three words swapped for synonyms. Heavy: the same, then
    the clauses rotated and one of three or more dropped, as an editor redrafting would."""
    words = text.split()
    swappable = [i for i, w in enumerate(words) if w.strip(",.;:") in SYNONYMS]
    rng.shuffle(swappable)
    for i in swappable[:3]:
        bare = words[i].strip(",.;:")
        words[i] = words[i].replace(bare, SYNONYMS[bare])
    if len(swappable) < 2:  # too few synonyms: cut the last fifth and add a clause
        words = words[: max(4, int(len(words) * 0.8))] + ["in", "the", "coming", "year."]
    text = " ".join(words)
    if rng.random() < 0.5:
        return text
    clauses = [c for c in re.split(r",\s+", text.rstrip(".")) if c]
    if len(clauses) >= 3:
        clauses.pop(rng.randrange(1, len(clauses)))
    if len(clauses) >= 2:
        k = rng.randrange(1, len(clauses))
        clauses = clauses[k:] + clauses[:k]
    out = ", ".join(clauses)
    return out[:1].upper() + out[1:] + "."


def construct(paras: list[str], donors: list[str], rng: random.Random) -> tuple[list[str], list[tuple[str, int | None, int | None]]]:
    """b's paragraphs, and the truth: (label, index in a, index in b) per paragraph."""
    n = len(paras)
    order = list(range(n))
    removed = set(rng.sample(order, max(1, round(0.15 * n)))) if n > 3 else set()
    kept = [i for i in order if i not in removed]
    reworded = set(rng.sample(kept, min(len(kept), max(1, round(0.25 * n)))))
    b_items: list[tuple[str, int | None]] = [(reword(paras[i], rng) if i in reworded else paras[i], i) for i in kept]
    for _ in range(min(2, len(b_items) - 1)):  # move two paragraphs
        item = b_items.pop(rng.randrange(len(b_items)))
        b_items.insert(rng.randrange(len(b_items) + 1), item)
    for text in rng.sample(donors, min(len(donors), max(1, round(0.15 * n)))):
        b_items.insert(rng.randrange(len(b_items) + 1), (text, None))
    truth = [(ONLY_A, i, None) for i in sorted(removed)]
    for j, (_, i) in enumerate(b_items):
        truth.append((ONLY_B, None, j) if i is None else ((REWORDED if i in reworded else SAME), i, j))
    return [t for t, _ in b_items], truth


def make_pairs(sources, name: str, seed: int, embedder):
    """Writes the pairs' corpus and indexes it; returns (index, pairs)."""
    rng = random.Random(seed)
    statements = {}
    for folder in sources:
        statements.update(source_paragraphs(folder))
    corpus, index = CACHE / f"compare-{name}" / "corpus", CACHE / f"compare-{name}" / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    pairs = []
    for k, (doc_id, paras) in enumerate(sorted(statements.items())):
        donors = [p for other, ps in statements.items() if other != doc_id for p in ps]
        b_paras, truth = construct(paras, donors, rng)
        a_name, b_name = f"2020-01-01-pair{k:02d}-a", f"2021-01-01-pair{k:02d}-b"
        (corpus / f"{a_name}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        (corpus / f"{b_name}.txt").write_text("\n\n".join(b_paras) + "\n", encoding="utf-8")
        pairs.append({"a": a_name, "b": b_name, "a_paras": paras, "b_paras": b_paras, "truth": truth})
    build_index(corpus, index, embedder)
    return index, pairs


def redraft_pairs(folder: Path, embedder):
    """Redrafts a helper wrote by hand: three statements as `a` and next year's statement
    drafted from each as `b`, with real paraphrase; indexed with their labels as truth."""
    corpus, index = CACHE / folder.name / "corpus", CACHE / folder.name / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    pairs = []
    for labels_path in sorted(folder.glob("pair*-labels.json")):
        name = labels_path.name.removesuffix("-labels.json")
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
        sides = {}
        for side, date in (("a", "2020-01-01"), ("b", "2021-01-01")):
            text = (folder / f"{name}-{side}.txt").read_text(encoding="utf-8")
            sides[side] = [norm(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
            (corpus / f"{date}-{name}-{side}.txt").write_text(text, encoding="utf-8")
        truth = [(x["label"], x["index"], x["b_index"]) for x in labels["a"] if x["label"] == ONLY_A]
        truth += [(x["label"], x["a_index"], x["index"]) for x in labels["b"]]
        pairs.append({"a": f"2020-01-01-{name}-a", "b": f"2021-01-01-{name}-b", "a_paras": sides["a"],
                      "b_paras": sides["b"], "truth": truth})
    build_index(corpus, index, embedder)
    return index, pairs


def score(searcher: Searcher, pairs: list[dict], weight: float, cut: float) -> dict:
    right = total = unmatched = 0
    confusion: Counter = Counter()
    for pair in pairs:
        result = compare_documents(searcher, pair["a"], pair["b"], weight, cut)
        a_index = {norm(t): i for i, t in enumerate(pair["a_paras"])}
        b_index = {norm(t): j for j, t in enumerate(pair["b_paras"])}
        got_a, got_b = {}, {}
        for x in result.paragraphs:
            i = a_index.get(norm(x.a.text)) if x.a else None
            j = b_index.get(norm(x.b.text)) if x.b else None
            if x.a and i is not None:
                got_a[i] = (x.label, j)
            if x.b and j is not None:
                got_b[j] = (x.label, i)
        for label, i, j in pair["truth"]:
            for side, key, partner in (("a", i, j), ("b", j, i)):
                if key is None:
                    continue
                total += 1
                found = (got_a if side == "a" else got_b).get(key)
                if found is None:
                    unmatched += 1
                    continue
                confusion[(label, found[0])] += 1
                right += found[0] == label and (label in (ONLY_A, ONLY_B) or found[1] == partner)
    return {"weight": weight, "cut": cut, "accuracy": round(right / max(1, total), 3), "paragraphs": total,
            "not_found_in_output": unmatched,
            "confusion": {f"{t} -> {g}": c for (t, g), c in sorted(confusion.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="print the grid on the development pairs only")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    if args.tune:
        index, pairs = make_pairs(DEV_SOURCES, "dev", args.seed, embedder)
        searcher = Searcher(open_current(index), embedder, SERVER_STAGES)
        redraft_index, redrafts = redraft_pairs(DEV_REDRAFTS, embedder)
        redrafter = Searcher(open_current(redraft_index), embedder, SERVER_STAGES)
        print("weight cut   constructed  redrafted")
        for w, c in itertools.product((0.0, 0.25, 0.5, 0.75, 1.0), (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)):
            a, b = score(searcher, pairs, w, c), score(redrafter, redrafts, w, c)
            print(f"{w:.2f}   {c:.2f}   {a['accuracy']:.3f}        {b['accuracy']:.3f}")
        return
    index, pairs = make_pairs(TEST_SOURCES, "test", args.seed, embedder)
    searcher = Searcher(open_current(index), embedder, SERVER_STAGES)
    results = {"held_out_pairs": score(searcher, pairs, MEANING_WEIGHT, MIN_SIMILARITY)}
    results["speed_pairs"] = time_calls(lambda p: compare_documents(searcher, p["a"], p["b"]), pairs, args.runs)
    redraft_index, redrafts = redraft_pairs(REDRAFTS, embedder)
    results["redrafted_pairs"] = score(Searcher(open_current(redraft_index), embedder, SERVER_STAGES), redrafts,
                                       MEANING_WEIGHT, MIN_SIMILARITY)
    scifact = Searcher(open_current(scifact_index(args.scifact, embedder)), embedder, SERVER_STAGES)
    docs = [d.doc_id for d in scifact.generation.documents()]
    rng = random.Random(args.seed)
    results["speed_scifact"] = {**time_calls(lambda ab: compare_documents(scifact, *ab),
                                             [tuple(rng.sample(docs, 2)) for _ in range(args.runs)], args.runs),
                                "documents": len(docs)}
    r = results["held_out_pairs"]
    print(f"held-out pairs ({len(pairs)} statements, {r['paragraphs']} paragraphs): label accuracy {r['accuracy']:.3f} "
          f"(weight {MEANING_WEIGHT}, cut {MIN_SIMILARITY}; {r['not_found_in_output']} paragraphs not found in the output)")
    for key, count in r["confusion"].items():
        print(f"    {key}: {count}")
    r = results["redrafted_pairs"]
    print(f"redrafted by hand ({len(redrafts)} statements, {r['paragraphs']} paragraphs): label accuracy {r['accuracy']:.3f} "
          f"({r['not_found_in_output']} paragraphs not found in the output)")
    for key, count in r["confusion"].items():
        print(f"    {key}: {count}")
    for name in ("speed_pairs", "speed_scifact"):
        s = results[name]
        print(f"{name}: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms over {s['runs']} comparisons")
    write_results(RESULTS, results)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
