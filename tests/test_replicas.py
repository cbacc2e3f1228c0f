"""The app served by two Ray Serve replicas on the session's local two-node Ray cluster: the
same API behind the proxy, and a generation published under load picked up by both replicas
with no failed request."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from indexer.build import build_index
from indexer.embedder import FakeEmbedder

from .apptools import free_port, make_settings
from .test_cluster import write_corpus

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def replicas(ray_cluster, tmp_path_factory):
    """Two replicas (half a CPU each) behind Serve's proxy, over a tiny index built locally."""
    from search_app.replicas import ReplicaOptions, start_replicas, stop_replicas

    root = tmp_path_factory.mktemp("replicas")
    corpus = write_corpus(root, 4)
    build_index(corpus, root / "index", FakeEmbedder())
    settings = make_settings(corpus, root / "index", port=free_port())
    url = start_replicas(settings, ReplicaOptions(ray_cluster, replicas=2, cpus_per_replica=0.5), log=lambda m: None)
    try:
        yield url, corpus, root / "index"
    finally:
        stop_replicas()


def test_both_replicas_answer_the_api_and_pages_behind_the_proxy(replicas):
    url, _, _ = replicas
    seen = set()
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(40):
            response = client.get("/api/search", params={"q": "labour trafficking", "k": 3})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["results"] and body["results"][0]["citation"]["doc_id"]
            seen.add(response.headers["x-served-by"])
        assert len(seen) == 2
        assert client.get("/").status_code == 200
        error = client.get("/api/search", params={"q": "x", "k": 0})
        assert error.status_code == 422 and error.json()["error"]["parameter"] == "k"


def test_a_generation_published_under_load_is_picked_up_by_both_replicas_with_no_failed_request(replicas):
    url, corpus, index = replicas
    stop = threading.Event()
    outcomes: Counter = Counter()
    served: dict[str, set[str]] = {}  # generation -> replicas that served it

    def load():
        with httpx.Client(base_url=url, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.get("/api/search", params={"q": "border management fisheries", "k": 5})
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1
                    continue
                outcomes[response.status_code] += 1
                served.setdefault(response.headers.get("x-index-generation", "?"), set()).add(
                    response.headers.get("x-served-by", "?"))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        (corpus / "2021-05-05-new-statement.txt").write_text("A new statement on fisheries and border management.")
        new = build_index(corpus, index, FakeEmbedder()).generation
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(served.get(new, ())) < 2:
            time.sleep(0.1)
        time.sleep(0.5)  # and a little load after the swap
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert set(outcomes) == {200}, outcomes
    assert outcomes[200] > 20
    assert len(served.get(new, ())) == 2, served
