"""Facts about the machine and the checkout that settings and backends start from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

ENV_PREFIX = "STATEMENT_SEARCH_"


def project_root() -> Path:
    """The folder holding pyproject.toml (corpus/ and index/ live beside it); for an
    installed, non-editable package, the current folder."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() else Path.cwd()


def available_cores() -> int:
    """Cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags (Linux; empty elsewhere): what decides which encoder precision is fast."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "flags":
                return frozenset(value.split())
    except OSError:
        pass
    return frozenset()


def model_cache_dir(env: Mapping[str, str]) -> Path:
    """Where derived model files (the ONNX export) are kept: STATEMENT_SEARCH_MODEL_CACHE, else
    the XDG cache folder (~/.cache/statement-search when `env` names neither)."""
    if env.get(ENV_PREFIX + "MODEL_CACHE", "").strip():
        return Path(env[ENV_PREFIX + "MODEL_CACHE"].strip())
    base = env.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "statement-search"
