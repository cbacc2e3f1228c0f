"""The whole JSON API fuzzed from its own OpenAPI schema (schemathesis): valid and invalid
query strings, bodies and path ids for every operation, admin routes included. No request
may give a 5xx, every 4xx must be the one documented error shape, and every response must
match what the schema documents (status codes, content types, bodies, the Allow header).

Deterministic (derandomize, no example database), bounded per operation, in process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.python.asgi import ASGIClient

from indexer.embedder import FakeEmbedder
from search_app.app import create_app

from .apptools import TOKEN, build, make_settings

# Examples per operation: ~1,100 requests in all (the coverage phase adds its own
# deterministic edge cases on top), about 10 s on two cores.
MAX_EXAMPLES = 100
# Fewer than this many requests to an operation means the fuzzer quietly did not run.
MIN_CASES_PER_OPERATION = 5
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE_URL = "http://testserver"
ERROR_KEYS = {"status", "code", "parameter", "message"}


def schema_only_app():
    """The app with admin routes on, only to read its schema: create_app touches no disk
    until its lifespan runs, so the paths are never used."""
    nowhere = Path("/nonexistent")
    return create_app(make_settings(nowhere, nowhere, admin_token=TOKEN), embedder=FakeEmbedder())


# Loaded at import so that each operation is its own test; the requests go to the app of the
# `fuzzed` fixture below, over a tiny real index.
schema = schemathesis.openapi.from_dict(schema_only_app().openapi())


def error_shape(ctx, response, case) -> None:
    """Every 4xx, documented or not, is {"error": {status, code, parameter, message}}; an
    invalid parameter is named."""
    if not 400 <= response.status_code < 500:
        return
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["status"] == response.status_code, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    if error["code"] == "invalid_parameter":
        assert isinstance(error["parameter"], str) and error["parameter"], error


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.allow_header_conformance,
    checks.unsupported_method,
    error_shape,
]
# Left out on purpose: positive_data_acceptance and negative_data_rejection. The schema cannot
# say everything the API checks (a blank q, date_from after date_to, an unknown doc id, an
# upload named .png are schema-valid and rightly refused), and an empty date means "no filter"
# because the HTML form sends empty fields and both share one parser (params.py).


@dataclass
class Fuzzed:
    session: ASGIClient
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def fuzzed(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    app = create_app(make_settings(tiny_corpus, index, admin_token=TOKEN), embedder=FakeEmbedder())
    # Starlette's TestClient runs our lifespan (index opened, watcher started and stopped); the
    # un-entered schemathesis client only carries requests, so it never starts a second one.
    with TestClient(app):
        state = Fuzzed(ASGIClient(app))
        yield state
    assert len(state.statuses) >= MIN_CASES_PER_OPERATION, state.statuses


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_survives_fuzzing(case, fuzzed: Fuzzed):
    response = case.call_and_validate(base_url=BASE_URL, session=fuzzed.session, headers=AUTH, checks=CHECKS)
    fuzzed.statuses.append(response.status_code)
