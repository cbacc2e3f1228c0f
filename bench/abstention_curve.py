"""What each answer/abstain threshold costs (issue 12): near-miss questions declined against
answerable questions wrongly declined, on our development questions only.

    .venv/bin/python bench/abstention_curve.py [--thresholds 0.3,0.4,0.5,0.6,0.7,0.8]

The product answers when the calibrated confidence of its chosen grounded sentence reaches
`min_confidence` in search_app/answer_model.json (0.5). For each threshold this prints, over
questions.jsonl, questions-dev2.jsonl and questions-dev3.jsonl: answer accuracy (the chosen
sentence holds the answer and is given), wrong answers (given, not holding the answer, to any
question), answerable questions declined, near-miss and off-topic questions declined. The
held-out sets are not read: a threshold is chosen here or not at all. The model here is fitted on
these very questions, so the curve flatters higher thresholds: bench/calibrate_answers.py's
cross-validated figures are the check.
Writes bench/results/abstention_curve.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import write_results  # noqa: E402

from bench.quality import DEV2, DEV2_CORPUS, DEV3, DEV3_CORPUS, QUESTIONS, contains_answer, extended_index, load_questions, seed_index  # noqa: E402
from indexer.embedders import make_embedder  # noqa: E402
from indexer.generation import open_current  # noqa: E402
from search_app.answers import (  # noqa: E402
    CALIBRATING, RANKING, answer_floor, calibrated_confidence, default_answer_model, grounded_candidate,
)
from search_app.requests import SearchRequest  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402


def picks(searcher: Searcher, questions: list[dict], model) -> list[tuple[dict, float, bool]]:
    """(question, confidence of the chosen grounded sentence or 0, whether it holds the answer).
    The confidence is shifted by what the product's floor forgives it (answers.answer_floor: a
    numbered meeting's own facts answer at 0.3 where others need 0.5), so that one threshold
    reads for both."""
    out = []
    for q in questions:
        hits = searcher.search(SearchRequest(q["question"], k=10)).hits  # as bench/quality.py asks
        found = grounded_candidate(searcher.evidence, q["question"], hits, model.selection_weights(RANKING))
        if found is None:
            out.append((q, 0.0, False))
            continue
        candidate, _ = found
        confidence = calibrated_confidence(candidate.features.calibration(), model.calibration_weights(CALIBRATING))
        confidence += model.min_confidence - answer_floor(q["question"], candidate, model.min_confidence)
        out.append((q, confidence, bool(q["answerable"] and contains_answer(candidate.text, q["answer"]))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=lambda t: [float(x) for x in t.split(",") if x],
                        default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    args = parser.parse_args()
    embedder = make_embedder("minilm")
    model = default_answer_model()
    rows = picks(Searcher(open_current(seed_index(embedder)), embedder), load_questions(QUESTIONS), model)
    rows += picks(Searcher(open_current(extended_index("dev2", DEV2_CORPUS, embedder)), embedder), load_questions(DEV2), model)
    rows += picks(Searcher(open_current(extended_index("dev3", DEV3_CORPUS, embedder)), embedder), load_questions(DEV3), model)
    answerable = [r for r in rows if r[0]["answerable"]]
    kinds = {kind: [r for r in rows if r[0].get("type") == kind and not r[0]["answerable"]] for kind in ("near-miss", "offtopic")}
    curve = {}
    print(f"threshold  answer accuracy  wrong  answerable declined  near-miss declined  off-topic declined   "
          f"(shipped: {model.min_confidence})")
    for t in args.thresholds:
        wrong = sum(c >= t and not right for _, c, right in rows)
        point = {"answer_accuracy": round(sum(right and c >= t for _, c, right in answerable) / len(answerable), 3),
                 "wrong_answers": wrong,
                 "answerable_declined": f"{sum(c < t for _, c, _ in answerable)}/{len(answerable)}"}
        for kind, group in kinds.items():
            point[f"{kind}_declined"] = f"{sum(c < t for _, c, _ in group)}/{len(group)}"
        curve[str(t)] = point
        print(f"{t:9.2f}  {point['answer_accuracy']:15.3f}  {wrong:5}  {point['answerable_declined']:>19}  "
              f"{point['near-miss_declined']:>18}  {point['offtopic_declined']:>18}")
    out = ROOT / "bench" / "results" / "abstention_curve.json"
    write_results(out, {"questions": len(rows), "curve": curve})
    print(f"written to {out}")


if __name__ == "__main__":
    main()
