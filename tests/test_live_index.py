"""Serving while the index is rebuilt: a new generation goes live within 2 s without a
restart, a damaged one is refused while the last good one keeps serving, requests in flight
never fail, and a server started without an index says why."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import httpx

from indexer.embedder import FakeEmbedder
from search_app.app import create_app
from search_app.live_index import LiveIndex

from .apptools import ServerThread, app_client, build, make_settings, wait_for

SWAP_SECONDS = 2.0


def point_current_at(index: Path, name: str) -> None:
    """Publish the way the indexer does: write aside, then one os.replace."""
    tmp = index / "CURRENT.tmp-test"
    tmp.write_text(name + "\n")
    os.replace(tmp, index / "CURRENT")


def add_statement(corpus: Path, name: str, text: str) -> None:
    (corpus / name).write_text(text, encoding="utf-8")


def generation_of(client) -> str | None:
    return client.get("/api/health").json()["generation"]


def test_a_new_generation_is_live_within_two_seconds(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    with app_client(tiny_corpus, index, reload_interval=0.5) as client:
        assert generation_of(client) == "gen-000001"
        assert client.get("/api/search", params={"q": "Kiribati", "mode": "keyword"}).json()["total"] == 0
        add_statement(tiny_corpus, "2024-05-01-kiribati.txt", "The Kiribati delegation reported on labour mobility.\n")
        assert build(tiny_corpus, index).generation == "gen-000002"
        assert wait_for(lambda: generation_of(client) == "gen-000002", timeout=SWAP_SECONDS)
        results = client.get("/api/search", params={"q": "Kiribati"}).json()["results"]
        assert results and results[0]["citation"]["doc_id"] == "2024-05-01-kiribati"


def test_a_damaged_generation_is_refused_and_the_old_one_keeps_serving(tiny_corpus, tmp_path, caplog):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    with app_client(tiny_corpus, index) as client:
        before = client.get("/api/search", params={"q": "trafficking"}).json()
        shutil.copytree(index / "gen-000001", index / "gen-000002")
        faiss_file = index / "gen-000002" / "vectors.faiss"
        with open(faiss_file, "r+b") as fh:
            fh.truncate(faiss_file.stat().st_size // 2)
        with caplog.at_level(logging.ERROR, logger="search_app"):
            point_current_at(index, "gen-000002")
            health = wait_for(lambda: (h := client.get("/api/health").json())["reason"] and h, timeout=SWAP_SECONDS)
            wait_for(lambda: False, timeout=0.3)  # a few more polls: still one log line
        assert health["status"] == "ok" and health["generation"] == "gen-000001"
        assert "gen-000002" in health["reason"] and "vectors.faiss" in health["reason"]
        assert "python -m indexer build" in health["hint"]
        refusals = [r for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == 1 and "gen-000002" in refusals[0].getMessage()
        after = client.get("/api/search", params={"q": "trafficking"})
        assert after.status_code == 200 and after.json()["results"] == before["results"]

        # A good generation published after the bad one is taken up.
        shutil.copytree(index / "gen-000001", index / "gen-000003")
        point_current_at(index, "gen-000003")
        assert wait_for(lambda: generation_of(client) == "gen-000003", timeout=SWAP_SECONDS)
        assert client.get("/api/health").json()["reason"] is None


def test_without_an_index_the_app_starts_and_says_why(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    with app_client(tiny_corpus, index) as client:
        health = client.get("/api/health")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "unavailable" and body["generation"] is None
        assert str(index) in body["reason"] and "python -m indexer build" in body["hint"]
        search = client.get("/api/search", params={"q": "trafficking"})
        assert search.status_code == 503
        error = search.json()["error"]
        assert error["code"] == "index_unavailable" and "python -m indexer build" in error["message"]
        page = client.get("/", params={"q": "trafficking"})
        assert page.status_code == 503 and "not available" in page.text and "python -m indexer build" in page.text

        build(tiny_corpus, index)  # and once one is built, it is served without a restart
        assert wait_for(lambda: generation_of(client) == "gen-000001", timeout=SWAP_SECONDS)
        assert client.get("/api/search", params={"q": "trafficking"}).status_code == 200


def test_a_damaged_index_at_start_up_is_reported(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    (index / "gen-000001" / "index.sqlite").write_bytes(b"not a database")
    with app_client(tiny_corpus, index) as client:
        body = client.get("/api/health").json()
        assert body["status"] == "unavailable"
        assert "gen-000001" in body["reason"] and "damaged" in body["reason"]
        assert client.get("/api/ask", params={"q": "x"}).status_code == 503


def test_a_generation_built_with_another_model_is_refused(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    live = LiveIndex(index, type("Other", (), {"name": "some-other-model"})())
    assert live.refresh() is False and live.live is None
    assert "some-other-model" in live.problem.reason
    # Refused, but not called damaged: the generation is sound, its vectors are another model's.
    assert "built with model" in live.problem.reason and "damaged" not in live.problem.reason
    # A plain build with the server's embedder re-embeds: no "--full" needed.
    assert "STATEMENT_SEARCH_EMBEDDER" in live.problem.hint and "--full" not in live.problem.hint
    assert "some-other-model" in live.problem.hint  # the model to build with: `auto` differs by CPU


def test_refresh_swaps_only_when_current_moves(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    live = LiveIndex(index, FakeEmbedder())
    assert live.refresh() is True
    first = live.current()
    assert live.refresh() is False and live.current() is first
    add_statement(tiny_corpus, "new.txt", "A new statement about the Adelaide Strategy.\n")
    build(tiny_corpus, index)
    assert live.refresh() is True
    assert live.current() is not first and live.current().generation.name == "gen-000002"
    # The old pair still answers for whoever holds it.
    assert first.generation.counts()["documents"] == 2 and first.searcher.document_info("new") is None


def test_a_swapped_in_generation_has_its_vocabulary_sorted_before_any_question(tiny_corpus, tmp_path):
    # The unknown-word check's sorted vocabulary costs ~1 s at 1M chunks: paid by the swap, not a question.
    build(tiny_corpus, tmp_path / "index")
    live = LiveIndex(tmp_path / "index", FakeEmbedder())
    assert live.refresh() is True
    stats = live.current().searcher.stats
    assert stats._sorted_terms is not None and stats._sorted_terms == sorted(stats._sorted_terms)
    assert "bangkok" in stats._sorted_terms


def test_requests_in_flight_during_swaps_all_succeed(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    app = create_app(make_settings(tiny_corpus, index, reload_interval=0.05), embedder=FakeEmbedder())
    failures: list[str] = []
    done = threading.Event()
    counts = {"requests": 0}

    def hammer(url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            while not done.is_set():
                for path, params in (("/api/search", {"q": "trafficking"}), ("/api/ask", {"q": "Who met in Bangkok?"}),
                                     ("/", {"q": "victims"}), ("/api/documents", {})):
                    response = http.get(path, params=params)
                    counts["requests"] += 1
                    if response.status_code != 200:
                        failures.append(f"{path}: {response.status_code} {response.text[:200]}")

    with ServerThread(app) as server:
        workers = [threading.Thread(target=hammer, args=(server.url,)) for _ in range(3)]
        for w in workers:
            w.start()
        try:
            for i in range(4):
                # Let requests pile up against the live generation before each swap.
                before = counts["requests"]
                assert wait_for(lambda b=before: counts["requests"] >= b + 8, timeout=10)
                add_statement(tiny_corpus, f"extra-{i}.txt", f"Extra statement number {i} on trafficking and victims.\n")
                report = build(tiny_corpus, index)
                published = report.generation
                assert wait_for(lambda g=published: httpx.get(server.url + "/api/health").json()["generation"] == g,
                                timeout=SWAP_SECONDS)
        finally:
            done.set()
            for w in workers:
                w.join(timeout=10)
        final = httpx.get(server.url + "/api/documents").json()
    assert not failures, failures[:3]
    assert counts["requests"] > 20
    assert final["total"] == 6
