"""What a benchmark figure was measured on: the CPU (model, the instruction sets that decide
encoder speed: AVX2, AVX-512, VNNI, BF16, AMX), the cores this process may use, the library
versions, and the encoder backend and precision. A figure without its machine is not
comparable (issue 17): every bench/results file carries this under "machine"."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path

from indexer.embedders import auto_kind, embedder_name
from indexer.host import available_cores, cpu_flags

# CPU flags (as /proc/cpuinfo names them) that change how fast the encoder runs.
FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
PACKAGES = ("torch", "onnxruntime", "faiss-cpu", "sentence-transformers", "numpy", "transformers", "tokenizers")
# The encoder every benchmark uses unless it says otherwise (indexer/embedders.py's "minilm").
DEFAULT_ENCODER = {"kind": "minilm", "backend": "onnxruntime", "precision": "fp32"}


# Embedder kinds (indexer/embedders.py) that run on sentence-transformers rather than ONNX Runtime.
TORCH_KINDS = ("minilm-torch", "minilm-bf16")


def encoder_info(kind: str) -> dict:
    """What a results file records of the embedder kind it measured: backend and precision
    (the part after "+" in the model name the kind's indexes record, else fp32)."""
    concrete = auto_kind() if kind == "auto" else kind
    name = embedder_name(concrete)
    return {"kind": concrete, "backend": "torch" if concrete in TORCH_KINDS else "none" if concrete == "fake" else "onnxruntime",
            "precision": name.rpartition("+")[2] if "+" in name else "fp32"}


def results_file(stem: str, kind: str) -> Path:
    """bench/results/<stem>.json for the default embedder, <stem>-<kind>.json for another."""
    return Path(__file__).resolve().parent / "results" / (f"{stem}.json" if kind == "minilm" else f"{stem}-{kind}.json")


def cpu() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
                break
    except OSError:
        pass
    # The flags as the product reads them to choose a precision (embedders.auto_kind).
    flags = cpu_flags()
    return {"model": model, "flags": [f for f in FLAGS if f in flags], "cores_usable": available_cores(),
            "cores_total": os.cpu_count(), "arch": platform.machine()}


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def machine_info(encoder: dict | None = None) -> dict:
    return {"cpu": cpu(), "os": platform.platform(), "versions": versions(), "encoder": encoder or DEFAULT_ENCODER}


def write_results(path: Path, results: dict, encoder: dict | None = None) -> None:
    """The results as JSON, with the machine they were measured on."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = results.get("machine")
    out = {**results, "machine": {**machine_info(encoder), **({"reported": previous} if previous else {})}}
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    print(json.dumps(machine_info(), indent=2))
