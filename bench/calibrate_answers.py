"""Fit the answer/abstain calibration of search_app/answers.py on our own questions.

    .venv/bin/python bench/calibrate_answers.py

For every question in bench/questions.jsonl (answerable and unanswerable), the answer extractor
picks its best sentence; a logistic regression learns from that sentence's features whether the
statements answer the question. It prints the weights to paste into answers.CALIBRATION, and the
leave-one-out figures (each question judged by a model fitted without it), which are the honest
estimate of how often we answer and abstain on questions we have not seen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.quality import load_questions, seed_index  # noqa: E402
from indexer.embedder import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import MIN_CONFIDENCE, best_candidate, calibrated_confidence  # noqa: E402
from search_app.searcher import SearchRequest, Searcher  # noqa: E402

FEATURES = ("cosine", "coverage", "passage_coverage", "kind_match", "missing_entity")
# L2 strength: with ~75 questions, keep the weights modest so one odd question cannot swing them;
# "balanced" because answerable questions outnumber the others four to one.
C = 10.0


def collect(searcher: Searcher) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    rows, labels, questions = [], [], []
    for q in load_questions():
        hits = searcher.search(SearchRequest(q["question"], k=10)).hits
        candidate = best_candidate(searcher, q["question"], hits)
        rows.append(candidate.features() if candidate else (0.0,) * len(FEATURES))
        labels.append(1 if q["answerable"] else 0)
        questions.append(q)
    return np.array(rows), np.array(labels), questions


def fit(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000).fit(x, y)
    return (float(model.intercept_[0]), *map(float, model.coef_[0]))


def main() -> None:
    embedder = make_embedder("minilm")
    searcher = Searcher(open_current(seed_index(embedder)), embedder)
    x, y, questions = collect(searcher)
    weights = fit(x, y)
    loo = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        w = fit(x[keep], y[keep])
        loo.append(calibrated_confidence(tuple(x[i]), w) >= MIN_CONFIDENCE)
    loo = np.array(loo)
    answerable = y == 1
    result = {
        "weights": dict(zip(("bias", *FEATURES), (round(w, 3) for w in weights))),
        "leave_one_out": {
            "answerable_answered": int(loo[answerable].sum()), "answerable": int(answerable.sum()),
            "unanswerable_abstained": int((~loo[~answerable]).sum()), "unanswerable": int((~answerable).sum()),
        },
    }
    print(json.dumps(result, indent=2))
    print("\nCALIBRATION = (" + ", ".join(f"{w:.3f}" for w in weights) + ")")
    out = ROOT / "bench" / "results" / "calibration.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
