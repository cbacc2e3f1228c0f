"""Quote check on generated quotes: real ones must come back `exact`, altered ones never.

    .venv/bin/python bench/quote_check.py [--index DIR] [--n 300] [--seed 7] [--scifact DIR]

Quotes are made from sentences of the index's own documents (SciFact by default, the
issue's "SciFact-sized index"), chosen at random with a fixed seed:
- exact: the sentence as written, and with its typography changed (lower case, curly quotes,
  dashes, line breaks): must be `exact`;
- number: one number changed; name: one capitalised word (not the first) swapped for one from
  another document; negation: "not" added after an auxiliary, or removed; splice: the first
  half of one sentence joined to the second half of another. None of these may be `exact`.
Reported: recall of exact quotes, precision of `exact` (share of exact verdicts that are real
quotes), for each alteration how many came back exact / near / not_found, and the time of one
sentence's check and of a 10-sentence paste (p50/p95, in process, as the server runs it).
Nothing here is tuned on: the thresholds were set on the seed corpus's tests.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_SCIFACT, scifact_index  # noqa: E402
from bench.machine import write_results  # noqa: E402
from indexer.chunking import split_sentences  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.quotes import QuoteChecker  # noqa: E402
from search_app.searcher import SERVER_STAGES, Searcher  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "quote_check.json"
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{3,}\b")
_AUX = re.compile(r"\b(is|are|was|were|has|have|had|can|could|may|might|will|would|should|does|did|do)\b")
_NOT = re.compile(r"\b(not|no)\s", re.I)


def sentences_of(generation, doc_ids: list[str]) -> dict[str, list[str]]:
    out = {}
    for doc_id in doc_ids:
        text = generation.document(doc_id).text
        out[doc_id] = [text[a:b] for a, b in split_sentences(text) if 8 <= len(text[a:b].split()) <= 60]
    return out


def restyle(sentence: str, rng: random.Random) -> str:
    styled = sentence.lower() if rng.random() < 0.5 else sentence
    styled = styled.replace("'", "’").replace('"', "“").replace("-", "–")
    words = styled.split(" ")
    if len(words) > 6:
        words[3] = "\n" + words[3]
    return "“" + " ".join(words) + "”"


def alter_number(sentence: str, rng: random.Random) -> str | None:
    numbers = list(_NUMBER.finditer(sentence))
    if not numbers:
        return None
    m = rng.choice(numbers)
    value = m.group()
    new = str(int(value.split(".")[0]) + rng.choice([1, 2, 3, 10])) + (("." + value.split(".")[1]) if "." in value else "")
    return sentence[:m.start()] + new + sentence[m.end():]


def alter_name(sentence: str, others: list[str], rng: random.Random) -> str | None:
    names = list(_NAME.finditer(sentence))
    pool = [m.group() for s in others for m in _NAME.finditer(s)]
    if not names or not pool:
        return None
    m = rng.choice(names)
    choices = [p for p in pool if p.lower() != m.group().lower()]
    return sentence[:m.start()] + rng.choice(choices) + sentence[m.end():] if choices else None


def alter_negation(sentence: str, rng: random.Random) -> str | None:
    found = _NOT.search(sentence)
    if found:
        return sentence[:found.start()] + sentence[found.end():]
    aux = _AUX.search(sentence)
    if not aux:
        return None
    return sentence[:aux.end()] + " not" + sentence[aux.end():]


def splice(a: str, b: str) -> str:
    wa, wb = a.split(), b.split()
    return " ".join(wa[: len(wa) // 2] + wb[len(wb) // 2:])


def make_quotes(sentences: dict[str, list[str]], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, quote) pairs: n of each kind where the sentence allows it."""
    pool = [(d, s) for d, ss in sentences.items() for s in ss]
    quotes: list[tuple[str, str]] = []
    for doc_id, sentence in rng.sample(pool, min(n, len(pool))):
        other_doc, other = rng.choice(pool)
        quotes.append(("exact", sentence))
        quotes.append(("exact_restyled", restyle(sentence, rng)))
        for kind, altered in (("number", alter_number(sentence, rng)),
                              ("name", alter_name(sentence, sentences[other_doc], rng)),
                              ("negation", alter_negation(sentence, rng)),
                              ("splice", splice(sentence, other) if other_doc != doc_id else None)):
            if altered and altered != sentence:
                quotes.append((kind, altered))
    return quotes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--n", type=int, default=300, help="sentences to make quotes from")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    index = args.index or scifact_index(args.scifact, embedder)
    generation = open_current(index)
    checker = QuoteChecker(Searcher(generation, embedder, SERVER_STAGES))
    rng = random.Random(args.seed)
    doc_ids = [d.doc_id for d in generation.documents()]
    sentences = sentences_of(generation, rng.sample(doc_ids, min(len(doc_ids), args.n * 2)))
    quotes = make_quotes(sentences, args.n, rng)

    checker.check("warm up the encoder and the caches")
    verdicts: dict[str, dict[str, int]] = {}
    times = []
    wrong: list[dict] = []  # altered quotes that came back exact, to be read
    for kind, quote in quotes:
        started = time.perf_counter()
        result = checker.check(quote)
        times.append((time.perf_counter() - started) * 1000)
        # A generated quote is one sentence; a segmenter may cut it (e.g. at "et al."): the
        # quote's verdict is then its weakest sentence's.
        order = {"not_found": 0, "near": 1, "exact": 2}
        verdict = min((s.verdict for s in result.sentences), key=order.__getitem__, default="not_found")
        verdicts.setdefault(kind, {"exact": 0, "near": 0, "not_found": 0})[verdict] += 1
        if verdict == "exact" and kind not in ("exact", "exact_restyled"):
            match = next(s.match for s in result.sentences if s.match)
            wrong.append({"kind": kind, "quote": quote, "statement": match.text, "doc_id": match.citation.doc_id})

    pastes = []
    real = [q for k, q in quotes if k == "exact"]
    for i in range(0, min(len(real), 200), 10):
        paste = " ".join(real[i:i + 10])
        started = time.perf_counter()
        checker.check(paste[:5000])
        pastes.append((time.perf_counter() - started) * 1000)

    genuine = ("exact", "exact_restyled")
    exact_true = sum(verdicts[k]["exact"] for k in genuine if k in verdicts)
    exact_all = sum(v["exact"] for v in verdicts.values())
    genuine_total = sum(sum(verdicts[k].values()) for k in genuine if k in verdicts)
    results = {
        "index": str(index), "documents": len(doc_ids), "quotes": len(quotes), "seed": args.seed,
        "recall_exact": round(exact_true / genuine_total, 4) if genuine_total else None,
        "precision_exact": round(exact_true / exact_all, 4) if exact_all else None,
        "altered_exact": {k: v["exact"] for k, v in verdicts.items() if k not in genuine},
        "verdicts": verdicts,
        "altered_but_exact": wrong,
        "one_sentence_ms": {"p50": round(float(np.percentile(times, 50)), 2), "p95": round(float(np.percentile(times, 95)), 2)},
        "ten_sentence_paste_ms": {"p50": round(float(np.percentile(pastes, 50)), 2),
                                  "p95": round(float(np.percentile(pastes, 95)), 2), "pastes": len(pastes)},
    }
    print(json.dumps(results, indent=2))
    write_results(RESULTS, results)


if __name__ == "__main__":
    main()
