"""X-Index-Generation names the generation that answered /api/search and /api/ask, and
follows a hot swap (bench/rebuild_under_load.py checks every response against it)."""

from __future__ import annotations

import pytest

from search_app.api import GENERATION_HEADER

from .apptools import app_client, build, wait_for
from .test_live_index import SWAP_SECONDS, add_statement, generation_of

REQUESTS = (
    ("GET", "/api/search"),
    ("POST", "/api/search"),
    ("GET", "/api/ask"),
    ("POST", "/api/ask"),
)


def ask(client, method: str, path: str, q: str):
    if method == "GET":
        return client.get(path, params={"q": q})
    return client.post(path, json={"q": q})


def test_the_header_names_the_live_generation_and_follows_a_hot_swap(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    with app_client(tiny_corpus, index) as client:
        assert generation_of(client) == "gen-000001"
        for method, path in REQUESTS:
            r = ask(client, method, path, "labour trafficking")
            assert r.status_code == 200, (method, path, r.text)
            assert r.headers[GENERATION_HEADER] == "gen-000001", (method, path)

        add_statement(tiny_corpus, "2024-05-01-kiribati.txt", "The Kiribati delegation reported on labour mobility.\n")
        assert build(tiny_corpus, index).generation == "gen-000002"
        assert wait_for(lambda: generation_of(client) == "gen-000002", timeout=SWAP_SECONDS)
        for method, path in REQUESTS:
            r = ask(client, method, path, "Kiribati labour mobility")
            assert r.status_code == 200, (method, path, r.text)
            assert r.headers[GENERATION_HEADER] == "gen-000002", (method, path)
            body = r.json()
            hits = body["results"] if path == "/api/search" else body["passages"]
            # The results come from the generation the header names: the new document is there.
            assert "2024-05-01-kiribati" in {h["citation"]["doc_id"] for h in hits}


@pytest.mark.parametrize("path", ["/api/search", "/api/ask"])
def test_an_error_names_no_generation(tiny_corpus, tmp_path, path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    with app_client(tiny_corpus, index) as client:
        r = client.get(path, params={"q": "trafficking", "k": 0})
        assert r.status_code == 422
        assert GENERATION_HEADER not in r.headers
