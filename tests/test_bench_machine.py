"""Every benchmark result says which machine it came from (bench/machine.py, issue 17)."""

from __future__ import annotations

import json

from bench.machine import FLAGS, machine_info, write_results


def test_results_carry_the_cpu_versions_and_encoder(tmp_path):
    path = tmp_path / "results" / "x.json"
    write_results(path, {"figure": 1.5, "machine": {"cpus": 2}})
    written = json.loads(path.read_text())
    assert written["figure"] == 1.5
    machine = written["machine"]
    assert machine["cpu"]["model"] and machine["cpu"]["cores_usable"] >= 1
    assert set(machine["cpu"]["flags"]) <= set(FLAGS)
    assert machine["versions"]["python"] and "numpy" in machine["versions"]
    assert machine["encoder"] == {"kind": "minilm", "backend": "onnxruntime", "precision": "fp32"}
    assert machine["reported"] == {"cpus": 2}  # what the benchmark itself recorded is kept


def test_an_encoder_other_than_the_default_is_named():
    encoder = {"kind": "minilm-torch", "backend": "torch", "precision": "bf16"}
    assert machine_info(encoder)["encoder"] == encoder
