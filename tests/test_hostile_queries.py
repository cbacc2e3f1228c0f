"""Hostile query input, beyond what test_api.py already sends: FTS5 syntax in every mode
(keyword mode hands it straight to SQLite), NUL bytes and broken percent-encoding in query
strings, lone surrogates in JSON fields, very long document ids, huge numbers, and JSON that
is not UTF-8 or nests thousands deep. Never a 500; a refusal names the parameter."""

from __future__ import annotations

import json

import pytest

from search_app.api import error_response

from .apptools import app_client, assert_error, build
from .conftest import write_tiny_corpus

MODES = ("keyword", "hybrid", "semantic")
# FTS5 query syntax: phrases, prefix, NEAR, column filters, initial-token ^, grouping.
FTS_SYNTAX = [
    '"', '"unbalanced', 'unbalanced"', '""', "*", "trafficking*", "NEAR(", "NEAR(victims trafficking, 2)",
    "text:trafficking", "nosuchcolumn:trafficking", "title:*", "{text heading}: victims", "^", "^trafficking",
    "AND OR NOT (", "trafficking NOT", "( )", ")", "- trafficking", "a + b", "\\", "%", "_", "'", ":",
]
LONG_ID = "x" * 10_000
# How long an error message may be: a huge bad value is never echoed whole.
MAX_MESSAGE = 300


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = write_tiny_corpus(root)
    build(corpus, root / "index")
    with app_client(corpus, root / "index") as client:
        yield client


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("q", FTS_SYNTAX)
def test_fts5_syntax_is_only_ever_words(client, q, mode):
    for response in (client.get("/api/search", params={"q": q, "mode": mode}),
                     client.post("/api/ask", json={"q": q, "mode": mode})):
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:  # nothing but punctuation may still be refused, by name
            assert_error(response, 422, "q", "invalid_parameter")
    page = client.get("/", params={"q": q, "mode": mode})
    assert page.status_code in (200, 422) and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("q", ["nosuchcolumn:trafficking", "NEAR(trafficking", "^trafficking*", '"trafficking'])
def test_operators_around_a_word_still_find_the_word(client, q):
    results = client.get("/api/search", params={"q": q, "mode": "keyword"}).json()["results"]
    assert results and all("trafficking" in r["text"].lower() for r in results)


@pytest.mark.parametrize("parameter", ["q", "doc", "mode", "date_from", "date_to"])
def test_a_nul_byte_in_a_query_string_is_refused_naming_the_parameter(client, parameter):
    params = {"q": "trafficking", parameter: "a\x00b"}  # httpx sends it as %00
    for endpoint in ("/api/search", "/api/ask"):
        error = assert_error(client.get(endpoint, params=params), 422, parameter, "invalid_parameter")
        assert "\x00" not in error["message"]
    assert client.get("/", params=params).status_code == 422


@pytest.mark.parametrize("raw", ["%ff", "%ff%fe", "%zz", "%", "a%", "%%%", "%ed%a0%80", "%c0%af"])
def test_broken_percent_encoding_is_text_not_a_crash(client, raw):
    # %ed%a0%80 is a lone surrogate encoded as UTF-8; %c0%af an overlong "/": both decode to U+FFFD.
    for endpoint in ("/api/search", "/api/ask"):
        response = client.get(f"{endpoint}?q={raw}")
        assert response.status_code == 200, response.text
        assert isinstance(response.json()["query"], str)
        for name in ("k", "offset", "date_from", "mode"):
            assert_error(client.get(f"{endpoint}?q=trafficking&{name}={raw}"), 422, name, "invalid_parameter")
    assert client.get(f"/?q={raw}").status_code == 200
    assert client.get(f"/documents/{raw}").status_code == 404


@pytest.mark.parametrize("field", ["doc", "mode", "date_from", "date_to"])
def test_a_lone_surrogate_in_a_json_field_is_refused_naming_it(client, field):
    body = '{"q": "trafficking", "%s": "\\ud800"}' % field
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, field, "invalid_parameter")


@pytest.mark.parametrize("body,parameter", [
    (b'{"q": "x", "": 1}', "body"),  # an unknown field with no name
    (b'{"q": "x", "a\\u0000b": 1}', "body"),
    (b'{"q": "x", "colour": 1}', "colour"),
    (b"\xff\xfe{", "body"),  # not UTF-8 (FastAPI's bare 400 before)
    (b"[" * 100_000 + b"]" * 100_000, "body"),  # deeper than the JSON parser goes
    (b'{"q": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "body"),
    (b'{"q": "x", "k": 1e400}', "k"),
    (b'{"q": "x", "offset": NaN}', "offset"),
    (b'{"q": "x", "offset": 1e30}', "offset"),
    (b'{"q": "x", "offset": 100000000000000000000000000000}', "offset"),
])
def test_hostile_json_bodies_give_422_naming_the_field(client, body, parameter):
    for endpoint in ("/api/search", "/api/ask"):
        response = client.post(endpoint, content=body, headers={"content-type": "application/json"})
        error = assert_error(response, 422, parameter, "invalid_parameter")
        assert len(error["message"]) < MAX_MESSAGE


@pytest.mark.parametrize("name,value", [("offset", "1" + "0" * 30), ("offset", str(2**63)), ("offset", "1e3"),
                                        ("k", "9" * 40), ("k", "1e2"), ("offset", "-0.5")])
def test_huge_or_odd_numbers_are_refused_naming_the_parameter(client, name, value):
    for endpoint in ("/api/search", "/api/ask"):
        error = assert_error(client.get(endpoint, params={"q": "trafficking", name: value}), 422, name)
        assert len(error["message"]) < MAX_MESSAGE
    assert client.get("/", params={"q": "trafficking", "offset": value}).status_code == 422


def test_very_long_document_ids_are_404_naming_doc_without_echoing_them_whole(client):
    responses = [
        client.get("/api/search", params={"q": "trafficking", "doc": LONG_ID}),
        client.post("/api/ask", json={"q": "trafficking", "doc": [LONG_ID]}),
        client.get(f"/api/documents/{LONG_ID}"),
    ]
    for response in responses:
        error = assert_error(response, 404, "doc", "unknown_document")
        assert len(error["message"]) < MAX_MESSAGE
    page = client.get(f"/documents/{LONG_ID}")
    assert page.status_code == 404 and LONG_ID not in page.text
    passage = client.get("/documents/2016-03-22-statement-a", params={"chunk": LONG_ID})
    assert passage.status_code == 200 and 'id="passage"' not in passage.text and LONG_ID not in passage.text


def test_an_error_that_quotes_a_lone_surrogate_still_renders():
    # The last guard: whatever a message quotes, encoding the error body must not fail (a 500).
    response = error_response(422, "invalid_parameter", "bad value '\ud800'", "\ud800")
    error = json.loads(response.body)["error"]
    assert error["message"] == "bad value '\\ud800'" and error["parameter"] == "\\ud800"


@pytest.mark.parametrize("path", ["/api/search", "/api/ask"])
@pytest.mark.parametrize("field, value", [("k", True), ("k", "5"), ("k", 2.5), ("offset", False)])
def test_json_numbers_must_be_whole_numbers_not_booleans_or_strings(client, path, field, value):
    response = client.post(path, json={"q": "trafficking", field: value})
    assert response.status_code == 422
    assert response.json()["error"]["parameter"] == field
