"""The search app's one Settings object: built once (command line over environment over
defaults) and passed to create_app. Nothing else in the app reads os.environ.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from indexer.config import ENV_PREFIX, available_cores, model_cache_from, project_root
from indexer.embedder import EMBEDDERS
from indexer.errors import ConfigError

# An admin token this short could be guessed; refuse it rather than serve it.
MIN_TOKEN_CHARS = 8
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


@dataclass(frozen=True)
class Settings:
    index: Path
    corpus: Path
    host: str = "127.0.0.1"
    port: int = 8000
    # Origins allowed to call the API from a browser; empty means no CORS headers at all.
    cors_origins: tuple[str, ...] = ()
    # None: the admin routes do not exist.
    admin_token: str | None = field(default=None, repr=False)
    max_upload_mb: float = 20.0
    # How often the watcher looks at index/CURRENT; a new generation is live within this
    # plus the time to open it.
    reload_interval: float = 0.5
    embedder: str = "minilm"
    # Where the ONNX export of the model is kept (see indexer/onnx_model.py).
    model_cache: Path | None = None
    # Server processes. One is enough for one client at a time; under concurrent load a second
    # process runs the Python half of a request (fusion, SQLite, JSON) on the other core.
    workers: int = 1

    @property
    def encoder_threads(self) -> int:
        """Each process's share of the cores, so workers' encoder threads do not fight."""
        return max(1, available_cores() // self.workers)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Settings from STATEMENT_SEARCH_* variables; `overrides` (command-line options that
        were given) win. A value we cannot use raises ConfigError naming the variable."""
        env = os.environ if environ is None else environ
        root = project_root()

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value.strip() if value is not None and value.strip() != "" else None

        values = dict(
            index=Path(get("INDEX") or root / "index"),
            corpus=Path(get("CORPUS") or root / "corpus"),
            host=get("HOST") or "127.0.0.1",
            port=_parse_number("PORT", get("PORT"), 8000, int, 1, 65535),
            cors_origins=_parse_origins(get("CORS_ORIGINS")),
            admin_token=_parse_token(get("ADMIN_TOKEN")),
            max_upload_mb=_parse_number("MAX_UPLOAD_MB", get("MAX_UPLOAD_MB"), 20.0, float, 0.001, 10_000),
            reload_interval=_parse_number("RELOAD_INTERVAL", get("RELOAD_INTERVAL"), 0.5, float, 0.05, 60),
            embedder=_parse_choice("EMBEDDER", get("EMBEDDER"), "minilm", EMBEDDERS),
            model_cache=model_cache_from(env),
            workers=_parse_number("WORKERS", get("WORKERS"), 1, int, 1, 64),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "port" in overrides and overrides["port"] is not None:
            _check_range("--port", values["port"], 1, 65535)
        if "workers" in overrides and overrides["workers"] is not None:
            _check_range("--workers", values["workers"], 1, 64)
        return cls(**values)


def _parse_number(name: str, raw: str | None, default, kind, low, high):
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{ENV_PREFIX}{name} must be {noun}, got {raw!r}") from None
    _check_range(ENV_PREFIX + name, value, low, high)
    return value


def _check_range(label: str, value, low, high) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{label} must be between {low} and {high}, got {value}")


def _parse_choice(name: str, raw: str | None, default: str, choices: tuple[str, ...]) -> str:
    if raw is None:
        return default
    if raw not in choices:
        raise ConfigError(f"{ENV_PREFIX}{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _parse_origins(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    origins = []
    for part in raw.split(","):
        # A trailing slash never matches a browser's Origin header, so drop it.
        origin = part.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not _ORIGIN.match(origin):
            raise ConfigError(
                f"{ENV_PREFIX}CORS_ORIGINS: {part.strip()!r} is not an origin "
                "(expected '*' or scheme://host[:port], comma-separated)"
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def _parse_token(raw: str | None) -> str | None:
    if raw is None:
        return None
    if len(raw) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{ENV_PREFIX}ADMIN_TOKEN must have at least {MIN_TOKEN_CHARS} characters")
    return raw
