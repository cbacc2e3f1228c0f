"""The answer picker's fitted parameters are data (search_app/answer_model.json), checked at
start-up against the features the code computes."""

from __future__ import annotations

import json

import pytest

from indexer.errors import ConfigError
from search_app.answer_model import MODEL_FILE, load_answer_model
from search_app.answers import CALIBRATING, RANKING, default_answer_model


def write(tmp_path, **changes) -> object:
    data = json.loads(MODEL_FILE.read_text())
    data.update(changes)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_model_fits_the_code_and_says_where_it_came_from():
    model = default_answer_model()
    assert len(model.selection_weights(RANKING)) == len(RANKING)
    assert len(model.calibration_weights(CALIBRATING)) == len(CALIBRATING) + 1
    assert 0 < model.min_confidence < 1
    assert model.provenance["fitted_by"] == "bench/calibrate_answers.py"


def test_a_model_missing_a_feature_is_refused_by_name(tmp_path):
    data = json.loads(MODEL_FILE.read_text())
    del data["selection"]["coverage"]
    path = write(tmp_path, selection=data["selection"])
    with pytest.raises(ConfigError, match=r"selection does not fit the code \(missing \['coverage'\]"):
        load_answer_model(path, RANKING, CALIBRATING)


@pytest.mark.parametrize("changes, message", [
    ({"format": 99}, "has format 99"),
    ({"calibration": {"bias": "high"}}, "calibration must map feature names to numbers"),
    ({"min_confidence": 1.5}, "min_confidence must be between 0 and 1"),
])
def test_a_model_that_does_not_fit_is_refused(tmp_path, changes, message):
    with pytest.raises(ConfigError, match=message):
        load_answer_model(write(tmp_path, **changes), RANKING, CALIBRATING)


def test_an_unreadable_model_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_answer_model(path, RANKING, CALIBRATING)
