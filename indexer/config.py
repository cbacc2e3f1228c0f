"""Indexer settings: command-line options over environment variables over defaults.

Only `IndexerConfig.from_env` reads the environment, once, in the CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


def model_cache_from(env: Mapping[str, str]) -> Path:
    """Where derived model files (the ONNX export) are kept: STATEMENT_SEARCH_MODEL_CACHE, else
    the XDG cache folder."""
    if env.get(ENV_PREFIX + "MODEL_CACHE", "").strip():
        return Path(env[ENV_PREFIX + "MODEL_CACHE"].strip())
    base = env.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "statement-search"


@dataclass(frozen=True)
class IndexerConfig:
    corpus: Path
    index: Path
    batch_size: int = 32
    # "minilm" (the bundled model on ONNX Runtime), "minilm-torch" (the same on
    # sentence-transformers) or "fake" (deterministic hashing; for tests and demos).
    embedder: str = "minilm"
    model_cache: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "IndexerConfig":
        env = os.environ if environ is None else environ
        root = project_root()
        return cls(
            corpus=Path(env.get(ENV_PREFIX + "CORPUS", root / "corpus")),
            index=Path(env.get(ENV_PREFIX + "INDEX", root / "index")),
            batch_size=int(env.get(ENV_PREFIX + "BATCH_SIZE", 32)),
            embedder=env.get(ENV_PREFIX + "EMBEDDER", "minilm"),
            model_cache=model_cache_from(env),
        )
