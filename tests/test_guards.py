"""Per-client rate limits and the body-size limit on /api (search_app/guards.py): 429 in the one error shape with
Retry-After; other clients, pages, health checks and preflights are not held back."""

from __future__ import annotations

import pytest

from indexer.errors import ConfigError
from indexer.settings import Settings
from search_app.guards import parse_rate_limit

from .apptools import app_client, assert_error


def test_a_burst_is_capped_per_second_as_well(seed_index_paths, frozen_rate_clock):
    # A short window as well as the minute's.
    with app_client(*seed_index_paths, rate_limit="2 per 10 seconds; 100/minute") as client:
        statuses = [client.get("/api/search", params={"q": "x"}).status_code for _ in range(3)]
        assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_over_the_limit_is_a_429_with_retry_after(seed_index_paths, frozen_rate_clock):
    with app_client(*seed_index_paths, rate_limit="3/minute") as client:
        for _ in range(3):
            assert client.get("/api/search", params={"q": "PSHTA"}).status_code == 200
        response = client.get("/api/search", params={"q": "PSHTA"})
        error = assert_error(response, 429, None, "rate_limited")
        assert "3 per 1 minute" in error["message"]
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        # POST counts too, on every /api route.
        assert client.post("/api/ask", json={"q": "x"}).status_code == 429


def test_pages_health_and_preflights_are_not_counted(seed_index_paths, frozen_rate_clock):
    with app_client(*seed_index_paths, rate_limit="2/minute", cors_origins=("https://news.example",)) as client:
        for _ in range(5):
            assert client.get("/api/health").status_code == 200
            assert client.get("/", params={"q": "PSHTA"}).status_code == 200
            assert client.options("/api/search", headers={"Origin": "https://news.example",
                                                         "Access-Control-Request-Method": "GET"}).status_code == 200
        assert client.get("/api/search", params={"q": "x"}).status_code == 200


def test_a_new_origin_header_is_no_new_allowance(seed_index_paths, frozen_rate_clock):
    with app_client(*seed_index_paths, rate_limit="2/minute", cors_origins=("https://a.example", "https://b.example")) as client:
        for origin in ("https://a.example", "https://b.example"):
            assert client.get("/api/search", params={"q": "x"}, headers={"Origin": origin}).status_code == 200
        limited = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://c.example"})
        assert limited.status_code == 429
        # A widget on another site can read why: the 429 carries the CORS header.
        refused = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://a.example"})
        assert refused.status_code == 429 and refused.headers["access-control-allow-origin"] == "https://a.example"


def test_off_means_no_limit(seed_index_paths):
    with app_client(*seed_index_paths, rate_limit="off") as client:
        assert all(client.get("/api/search", params={"q": "x"}).status_code == 200 for _ in range(30))


@pytest.mark.parametrize("raw, amounts", [("120/minute", [120]), ("10 per second", [10]), ("1000/hour", [1000]),
                                          ("5/second; 100/minute", [5, 100])])
def test_limits_are_read_from_the_setting(raw, amounts):
    items = parse_rate_limit(Settings.from_env({"STATEMENT_SEARCH_RATE_LIMIT": raw}).rate_limit)
    assert [item.amount for item in items] == amounts
    assert [i.amount for i in parse_rate_limit(Settings.from_env({}).rate_limit)] == [10, 120]  # the default
    assert parse_rate_limit("off") == ()


@pytest.mark.parametrize("raw", ["fast", "0/minute", "12/fortnight", "-1/minute"])
def test_a_bad_limit_is_a_clear_setting_error(raw):
    with pytest.raises(ConfigError, match="STATEMENT_SEARCH_RATE_LIMIT"):
        Settings.from_env({"STATEMENT_SEARCH_RATE_LIMIT": raw})


@pytest.fixture(scope="module")
def seed_index_paths(tmp_path_factory):
    from .apptools import index_seed_corpus

    return index_seed_corpus(tmp_path_factory.mktemp("guards"))


def test_an_oversize_body_is_a_413_in_the_error_shape(seed_index_paths):
    with app_client(*seed_index_paths) as client:
        response = client.post("/api/search", content=b'{"q": "' + b"x" * 300_000 + b'"}',
                               headers={"content-type": "application/json"})
        assert_error(response, 413, "body", "too_large")
        assert client.post("/api/search", json={"q": "PSHTA"}).status_code == 200
        # A body sent in chunks, without a length, is stopped as it passes the limit.
        chunks = (b'{"q": "' + b"x" * 10_000 + b'"' if i == 0 else b" " * 10_000 for i in range(30))
        assert_error(client.post("/api/search", content=chunks, headers={"content-type": "application/json"}),
                     413, "body", "too_large")


class SlowStage:
    """A reranker that sleeps: a search that runs long."""

    def rerank(self, query, candidates, generation):
        import time

        time.sleep(1.5)
        return candidates


def test_a_request_over_its_time_budget_is_a_504_at_once(seed_index_paths):
    import time

    from search_app.searcher import SERVER_STAGES, Stages

    stages = Stages(rerankers=(SlowStage(),), search_threads=SERVER_STAGES.search_threads)
    with app_client(*seed_index_paths, stages=stages, request_timeout=0.3) as client:
        started = time.monotonic()
        response = client.get("/api/search", params={"q": "PSHTA"})
        assert time.monotonic() - started < 1.2  # answered before the search ended
        error = assert_error(response, 504, None, "timeout")
        assert "0.3 s" in error["message"]
        assert client.get("/api/health").status_code == 200  # the server still answers
        assert client.get("/", params={"q": "PSHTA"}).status_code == 200  # pages have no budget


def test_a_client_has_at_most_four_requests_in_progress(monkeypatch):
    import anyio

    from limits import parse

    import search_app.guards as guards
    from search_app.api import error_response

    monkeypatch.setattr(guards, "OVER_LIMIT_DELAY_S", 0.0)
    release = anyio.Event()
    statuses: list[int] = []

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = guards.RateLimit(slow_app, (parse("100/second"),), error_response)

    async def call(client: str):
        scope = {"type": "http", "method": "GET", "path": "/api/search", "client": (client, 1), "headers": [],
                 "query_string": b""}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append((client, message["status"]))

        async def receive():
            return {"type": "http.request", "body": b""}

        await middleware(scope, receive, send)

    async def go():
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(call, "10.0.0.1")
            tg.start_soon(call, "10.0.0.2")  # another client is not held back
            await anyio.sleep(0.2)
            assert statuses == [("10.0.0.1", 429)]
            release.set()

    anyio.run(go)
    assert sorted(statuses) == [("10.0.0.1", 200)] * 4 + [("10.0.0.1", 429), ("10.0.0.2", 200)]
