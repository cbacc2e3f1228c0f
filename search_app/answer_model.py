"""The answer picker's fitted parameters, kept as data beside the code (answer_model.json),
written by the script that fits them (bench/calibrate_answers.py) with where they came from,
and loaded and checked once at start-up: a file that does not fit the code is refused with a
message naming what is wrong, never half-used."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import ConfigError

MODEL_FILE = Path(__file__).resolve().parent / "answer_model.json"
ANSWER_MODEL_FORMAT = 1


@dataclass(frozen=True)
class AnswerModel:
    """`selection`: the sentence ranker's weight per ranking feature; `calibration`: the
    logistic model's bias and weight per calibration feature, deciding whether to answer;
    `min_confidence`: below it, no answer. Feature names are SentenceFeatures' fields."""

    selection: dict[str, float]
    calibration: dict[str, float]
    min_confidence: float = 0.5
    provenance: dict = field(default_factory=dict, compare=False)

    def selection_weights(self, names: tuple[str, ...]) -> tuple[float, ...]:
        return tuple(self.selection[n] for n in names)

    def calibration_weights(self, names: tuple[str, ...]) -> tuple[float, ...]:
        return (self.calibration["bias"], *(self.calibration[n] for n in names))

    def to_json(self) -> dict:
        return {"format": ANSWER_MODEL_FORMAT, "selection": self.selection, "calibration": self.calibration,
                "min_confidence": self.min_confidence, "provenance": self.provenance}


def load_answer_model(path: Path = MODEL_FILE, ranking: tuple[str, ...] = (),
                      calibrating: tuple[str, ...] = ()) -> AnswerModel:
    """The model in `path`, checked to hold a number for every feature named (and no others)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"answer model {path} cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != ANSWER_MODEL_FORMAT:
        raise ConfigError(f"answer model {path} has format {data.get('format') if isinstance(data, dict) else None!r}, "
                          f"expected {ANSWER_MODEL_FORMAT}")
    model = AnswerModel(_weights(path, data, "selection", ranking), _weights(path, data, "calibration", ("bias", *calibrating)),
                        float(data.get("min_confidence", 0.5)), data.get("provenance", {}))
    if not 0.0 < model.min_confidence < 1.0:
        raise ConfigError(f"answer model {path}: min_confidence must be between 0 and 1, got {model.min_confidence}")
    return model


def _weights(path: Path, data: dict, key: str, names: tuple[str, ...]) -> dict[str, float]:
    weights = data.get(key)
    if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
        raise ConfigError(f"answer model {path}: {key} must map feature names to numbers")
    if names and set(weights) != set(names):
        missing, extra = sorted(set(names) - set(weights)), sorted(set(weights) - set(names))
        raise ConfigError(f"answer model {path}: {key} does not fit the code (missing {missing}, unknown {extra}); "
                          "refit it with bench/calibrate_answers.py")
    return {k: float(v) for k, v in weights.items()}


def save_answer_model(model: AnswerModel, path: Path = MODEL_FILE) -> None:
    Path(path).write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
