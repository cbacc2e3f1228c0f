"""Helpers for the search-app tests: an index built with the fake embedder, the app around it,
and a real uvicorn server in a thread (for tests that need real sockets)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.embedder import FakeEmbedder
from search_app.__main__ import MAX_REQUEST_HEAD_BYTES
from search_app.http_protocol import NoDelayH11Protocol
from search_app.app import create_app
from indexer.settings import Settings

TOKEN = "test-admin-token-123"


def build(corpus: Path, index: Path):
    return build_index(corpus, index, FakeEmbedder())


def index_seed_corpus(root: Path) -> tuple[Path, Path]:
    """root/corpus, a copy of the seed statements, built into root/index."""
    import shutil

    from .conftest import SEED_CORPUS

    shutil.copytree(SEED_CORPUS, root / "corpus")
    build(root / "corpus", root / "index")
    return root / "corpus", root / "index"


def index_statements(root: Path, statements: dict[str, str]) -> tuple[Path, Path]:
    """root/corpus holding these files (name -> text), built into root/index."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in statements.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build(corpus, root / "index")
    return corpus, root / "index"


def make_settings(corpus: Path, index: Path, **overrides) -> Settings:
    # Tests make many requests from one client: limits only where a test asks for them.
    values = dict(index=index, corpus=corpus, embedder="fake", reload_interval=0.1, rate_limit="off")
    values.update(overrides)
    return Settings(**values)


@contextmanager
def app_client(corpus: Path, index: Path, stages=None, **overrides):
    extra = {} if stages is None else {"stages": stages}
    app = create_app(make_settings(corpus, index, **overrides), embedder=FakeEmbedder(), **extra)
    with TestClient(app) as client:
        yield client


def assert_error(response, status: int, parameter: str | None, code: str | None = None) -> dict:
    """The one /api error shape, with this status and naming this parameter; returns the error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "parameter", "message"}
    assert error["status"] == status
    assert error["parameter"] == parameter
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def wait_for(predicate, timeout: float = 2.0, interval: float = 0.02):
    """Poll until predicate() is truthy; returns its value, or the last one after timeout."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def free_port() -> int:
    """A port nothing listens on now (for a server to bind, or an address where nothing answers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving `app` on 127.0.0.1 from a background thread, on a socket bound before
    start (so there is no race for a free port)."""

    def __init__(self, app):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # The HTTP protocol the product's server runs (h11): uvicorn would pick httptools when
        # it is installed (Ray Serve brings it), and that one has no room for a 100 kB query.
        config = uvicorn.Config(app, log_level="warning", lifespan="on", http=NoDelayH11Protocol,
                                h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        if not wait_for(lambda: self.server.started, timeout=20):
            raise RuntimeError("the test server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


OWN_SCRIPT = '<script src="/static/cite.js" defer></script>'


def without_own_scripts(html_text: str) -> str:
    """A page without the one external script every page loads (the Cite button's), so a test
    can check that nothing else (a document's or a query's markup) became a script."""
    assert html_text.count(OWN_SCRIPT) <= 1
    return html_text.replace(OWN_SCRIPT, "")
