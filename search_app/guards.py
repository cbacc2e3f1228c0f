"""What keeps a public endpoint up: per-client rate limits on /api and /mcp, so that one
crawler or one abusive client cannot take the widget and /embed away from everyone else, a
body-size limit answered before the body is read, and a time budget per request.

The `limits` library counts (a sliding window, in memory: each server process counts its own
clients). A client is its address; a browser on another site (the widget) is logged with the
Origin it calls from. Over the limit: 429 in the API's one error shape, with Retry-After, after a
second's wait (OVER_LIMIT_DELAY_S). Health checks and CORS preflights are not counted: one page
view is one request.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

log = logging.getLogger("search_app")
LIMITED_PREFIXES = ("/api", "/mcp", "/feeds")
# Admin builds run for minutes by design: no time budget there (the token guards them).
NO_BUDGET = ("/api/admin",)
# A client over its limit waits this long for its 429. A flood is a closed loop (each
# connection sends its next request when the last is answered): answered at once, one client
# on 32 connections sent ~940 refused requests a second and the other clients' p95 rose 17-fold
# (bench/flood.py); held, each of its connections costs an idle coroutine and nothing else.
OVER_LIMIT_DELAY_S = 1.0
# Requests of one client in progress at once: more wait their turn as over the limit, so a
# burst from many connections cannot fill the thread pool everyone's searches run in.
MAX_IN_FLIGHT = 4
NOT_COUNTED = ("/api/health",)


def parse_rate_limit(raw: str) -> tuple[RateLimitItem, ...]:
    """"120/minute", "10/second; 120/minute" (all must hold), "1000 per hour"; "off" (or "0")
    for none. ValueError names what is wrong."""
    if raw.strip().lower() in ("off", "none", "0"):
        return ()
    try:
        items = tuple(parse_many(raw))
    except ValueError:
        raise ValueError(f"must be like 120/minute (or off), got {raw!r}") from None
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(f"must allow at least one request, got {raw!r}")
    return items


def client_key(scope) -> str:
    """The client's address. Not its Origin header: a client chooses that freely, and a new one
    per request would be a new allowance each time (the widget's site is named in the log)."""
    return (scope.get("client") or ("unknown", 0))[0]


class RateLimit:
    """ASGI middleware: at most `items` requests per client on LIMITED_PREFIXES (every item
    must hold: a burst cap per second and a budget per minute), and MAX_IN_FLIGHT at once."""

    def __init__(self, app, items: tuple[RateLimitItem, ...], error_response):
        self.app = app
        self.items = items
        # Sliding-window counters expire with their window, so the storage does not grow with
        # every address ever seen (the moving window keeps a key per client for good).
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.error_response = error_response  # api.error_response: the one error shape
        self.in_flight: dict[str, int] = {}

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") == "OPTIONS" or not path.startswith(LIMITED_PREFIXES)
                or path in NOT_COUNTED):
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        busy = self.in_flight.get(key, 0) >= MAX_IN_FLIGHT
        over = None if busy else next((item for item in self.items if not self.limiter.test(item, key)), None)
        if not busy and over is None:  # no await since the test: the event loop makes test-and-hit atomic
            for item in self.items:
                self.limiter.hit(item, key)
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            try:
                await self.app(scope, receive, send)
            finally:
                self.in_flight[key] -= 1
                if not self.in_flight[key]:
                    del self.in_flight[key]
            return
        origin = next((v.decode("latin-1")[:200] for k, v in scope.get("headers", ()) if k == b"origin"), None)
        log.info("rate limited: %s%s on %s", key, f" (from a page on {origin})" if origin else "", path)
        await asyncio.sleep(OVER_LIMIT_DELAY_S)
        if busy:
            retry, why = 1, f"more than {MAX_IN_FLIGHT} requests from this client at once"
        else:
            retry = max(1, math.ceil(self.limiter.get_window_stats(over, key).reset_time - time.time()))
            why = f"more than {over} requests from this client"
        response = self.error_response(429, "rate_limited", f"{why}; try again in {retry} s", None,
                                       {"Retry-After": str(retry)})
        await response(scope, receive, send)


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413 in the one error shape: at
    once when its Content-Length says so, else as soon as the bytes read pass it (a chunked
    body). `exempt` paths have limits of their own (uploads stream to disk with theirs)."""

    def __init__(self, app, max_bytes: int, error_response, exempt: tuple[str, ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.error_response = error_response
        self.exempt = exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "") in self.exempt:
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send, int(length))
            return
        seen = 0
        over = False

        async def counted_receive():
            # Past the limit the body is cut short: the app answers an incomplete body, and
            # that answer is replaced by the 413 below.
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                over = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        replaced = False

        async def watched_send(message):
            nonlocal replaced
            if over and message["type"] == "http.response.start":
                replaced = True
                await self._refuse(scope, receive, send, None)
            if not replaced:
                await send(message)

        await self.app(scope, counted_receive, watched_send)

    async def _refuse(self, scope, receive, send, length: int | None):
        size = f"{length} bytes" if length is not None else f"more than {self.max_bytes} bytes"
        response = self.error_response(413, "too_large", f"the request body has {size}; the limit is "
                                       f"{self.max_bytes}", "body")
        await response(scope, receive, send)


class TimeBudget:
    """ASGI middleware: a request on LIMITED_PREFIXES that has not begun its response within
    `seconds` gets 504 in the one error shape at once. The work goes on in its thread and its
    response is dropped when it ends (a thread cannot be stopped from outside), so the client
    is never left hanging and the server stays answerable."""

    def __init__(self, app, seconds: float, error_response):
        self.app = app
        self.seconds = seconds
        self.error_response = error_response

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(LIMITED_PREFIXES) or path.startswith(NO_BUDGET):
            await self.app(scope, receive, send)
            return
        started = abandoned = False

        async def guarded_send(message):
            nonlocal started
            if abandoned:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done:
            task.result()  # re-raise what the app raised
            return
        if started:  # a response is under way: let it finish
            await task
            return
        abandoned = True
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # nothing left to report to
        response = self.error_response(504, "timeout", f"the request took longer than {self.seconds:g} s and was "
                                       "stopped; try fewer words, a smaller k or narrower filters", None)
        await response(scope, receive, send)
