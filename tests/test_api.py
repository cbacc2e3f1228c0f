"""The JSON API of DESIGN.md section 4: shapes, the offsets invariant, filters, paging, the one
error shape for every bad input, CORS, and the OpenAPI description."""

from __future__ import annotations

import io
import json
import shutil
import socket

import pytest

from indexer.embedder import FakeEmbedder
from search_app.app import create_app

from .apptools import ServerThread, app_client, assert_error, build, make_settings, without_own_scripts
from .conftest import SEED_CORPUS

RESULT_KEYS = {"rank", "score", "chunk_id", "text", "citation"}
CITATION_KEYS = {"doc_id", "title", "date", "source", "page", "section", "start", "end", "url", "paragraph", "paragraphs"}
QUERIES = ["PSHTA", "scam centres and forced criminality", "victim protection", "What did the co-chairs welcome?"]
# A sentence from the seed corpus: shares most of its words with one passage, so even the fake
# embedder answers it.
ANSWERABLE = "The Ninth Annual Meeting gave members an opportunity to share progress on implementation of the Forward Work Plan"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    build(corpus, root / "index")
    return corpus, root / "index"


@pytest.fixture(scope="module")
def client(seed_index):
    with app_client(*seed_index) as client:
        yield client


@pytest.fixture(scope="module")
def documents(client):
    """doc_id -> the document as /api/documents/{doc_id} returns it."""
    listing = client.get("/api/documents").json()["documents"]
    return {d["doc_id"]: client.get(f"/api/documents/{d['doc_id']}").json() for d in listing}


def assert_result(result: dict, rank: int) -> None:
    assert set(result) == RESULT_KEYS
    assert result["rank"] == rank
    assert isinstance(result["score"], float)
    citation = result["citation"]
    assert set(citation) == CITATION_KEYS
    assert citation["source"].startswith("corpus/")
    assert citation["url"] == f"/documents/{citation['doc_id']}?chunk={result['chunk_id'].replace(':', '%3A')}#passage"
    assert citation["start"] < citation["end"]


# ------------------------------------------------------------------ shapes


def test_search_returns_the_documented_shape(client):
    response = client.get("/api/search", params={"q": "PSHTA"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "mode", "took_ms", "total", "results", "facets"}
    assert set(body["facets"]) == {"countries", "organisations", "people", "kinds", "years"}
    assert body["query"] == "PSHTA" and body["mode"] == "hybrid"
    assert isinstance(body["took_ms"], float) and body["total"] >= len(body["results"]) > 0
    assert len(body["results"]) <= 10
    for rank, result in enumerate(body["results"], start=1):
        assert_result(result, rank)
    assert "PSHTA" in body["results"][0]["text"]


@pytest.mark.parametrize("q", QUERIES)
def test_every_passage_is_the_document_text_between_its_offsets(client, documents, q):
    for mode in ("hybrid", "semantic", "keyword"):
        results = client.get("/api/search", params={"q": q, "k": 20, "mode": mode}).json()["results"]
        for result in results:
            c = result["citation"]
            assert documents[c["doc_id"]]["text"][c["start"] : c["end"]] == result["text"]
            assert c["title"] == documents[c["doc_id"]]["title"]
            assert c["source"] == documents[c["doc_id"]]["source"]


def test_ask_returns_an_answer_whose_citation_points_at_its_sentences(client, documents):
    body = client.get("/api/ask", params={"q": ANSWERABLE}).json()
    assert set(body) == {"query", "took_ms", "answer", "passages", "declined"}  # the contract's, and why not answered
    assert 0 < len(body["passages"]) <= 5
    for rank, passage in enumerate(body["passages"], start=1):
        assert_result(passage, rank)
    answer = body["answer"]
    assert answer is not None and set(answer) == {"text", "confidence", "citation", "span"}
    assert 0.0 <= answer["confidence"] <= 1.0
    c = answer["citation"]
    assert set(c) == CITATION_KEYS
    text = documents[c["doc_id"]]["text"]
    assert text[c["start"] : c["end"]] == answer["text"]
    # The short answer lies inside the sentence, with offsets into the document like every citation.
    span = answer["span"]
    assert set(span) == {"text", "start", "end"} and c["start"] <= span["start"] < span["end"] <= c["end"]
    assert text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize("q", ["How do I bake sourdough bread?", "Who won the football world cup in 1998?"])
def test_ask_abstains_when_nothing_answers(client, q):
    body = client.post("/api/ask", json={"q": q}).json()
    assert body["answer"] is None
    assert isinstance(body["passages"], list)


def test_post_takes_the_same_fields_as_get(client):
    params = {"q": "victim protection", "k": 4, "mode": "keyword", "date_from": "2020-01-01"}
    by_get = client.get("/api/search", params=params).json()
    by_post = client.post("/api/search", json=params).json()
    assert [r["chunk_id"] for r in by_get["results"]] == [r["chunk_id"] for r in by_post["results"]]
    assert by_get["total"] == by_post["total"]
    ask_get = client.get("/api/ask", params={"q": ANSWERABLE}).json()
    ask_post = client.post("/api/ask", json={"q": ANSWERABLE}).json()
    assert ask_get["answer"] == ask_post["answer"]
    assert [p["chunk_id"] for p in ask_get["passages"]] == [p["chunk_id"] for p in ask_post["passages"]]


def test_documents_list_and_one_document(client):
    body = client.get("/api/documents").json()
    assert body["total"] == len(body["documents"]) == 5
    for d in body["documents"]:
        assert set(d) == {"doc_id", "title", "date", "kind", "source", "chunks"}
        assert d["source"].startswith("corpus/") and d["chunks"] > 0
    one = client.get(f"/api/documents/{body['documents'][0]['doc_id']}").json()
    assert set(one) == {"doc_id", "title", "date", "kind", "source", "chunks", "text", "sections", "paragraphs"}
    assert len(one["text"]) > 100
    for section in one["sections"]:
        assert set(section) == {"start", "title", "level"}


def test_health_reports_the_live_generation(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["generation"] == "gen-000001"
    assert body["counts"]["documents"] == 5 and body["counts"]["chunks"] > 5
    assert body["model"] == FakeEmbedder.name
    assert body["reason"] is None


# ------------------------------------------------------------------ filters and paging


def test_doc_filter_get_repeated_and_post_list_or_string(client, documents):
    a, b = sorted(documents)[:2]
    one = client.get("/api/search", params={"q": "trafficking", "doc": a, "k": 50}).json()
    assert one["results"] and {r["citation"]["doc_id"] for r in one["results"]} == {a}
    both = client.get("/api/search", params=[("q", "trafficking"), ("doc", a), ("doc", b), ("k", 50)]).json()
    assert {r["citation"]["doc_id"] for r in both["results"]} == {a, b}
    as_list = client.post("/api/search", json={"q": "trafficking", "doc": [a, b], "k": 50}).json()
    assert [r["chunk_id"] for r in as_list["results"]] == [r["chunk_id"] for r in both["results"]]
    as_string = client.post("/api/search", json={"q": "trafficking", "doc": a, "k": 50}).json()
    assert [r["chunk_id"] for r in as_string["results"]] == [r["chunk_id"] for r in one["results"]]


def test_date_filter(client):
    body = client.get("/api/search", params={"q": "trafficking", "date_from": "2024-01-01", "k": 50}).json()
    assert body["results"] and all(r["citation"]["date"] >= "2024-01-01" for r in body["results"])
    body = client.get("/api/search", params={"q": "trafficking", "date_to": "2016-12-31", "k": 50}).json()
    assert body["results"] and all(r["citation"]["date"] <= "2016-12-31" for r in body["results"])
    empty = client.get("/api/search", params={"q": "trafficking", "date_from": "2030-01-01"}).json()
    assert empty["total"] == 0 and empty["results"] == []


def test_paging_with_offset_never_repeats_a_passage(client):
    seen, ranks, offset = [], [], 0
    total = client.get("/api/search", params={"q": "trafficking", "k": 3}).json()["total"]
    assert total > 6
    while offset < total:
        body = client.get("/api/search", params={"q": "trafficking", "k": 3, "offset": offset}).json()
        assert body["total"] == total
        seen += [r["chunk_id"] for r in body["results"]]
        ranks += [r["rank"] for r in body["results"]]
        offset += 3
    assert len(seen) == len(set(seen)) == total
    assert ranks == list(range(1, total + 1))


# ------------------------------------------------------------------ bad input: one error shape


BAD_INPUTS = [
    ({"q": ""}, "q"),
    ({"q": "   \t "}, "q"),
    ({}, "q"),
    ({"q": "x" * 1001}, "q"),
    ({"q": "x" * 50_000}, "q"),
    ({"q": "trafficking", "k": 0}, "k"),
    ({"q": "trafficking", "k": 10_000}, "k"),
    ({"q": "trafficking", "k": -1}, "k"),
    ({"q": "trafficking", "k": "ten"}, "k"),
    ({"q": "trafficking", "offset": -5}, "offset"),
    ({"q": "trafficking", "offset": "x"}, "offset"),
    ({"q": "trafficking", "date_from": "yesterday"}, "date_from"),
    ({"q": "trafficking", "date_from": "2023-02-30"}, "date_from"),
    ({"q": "trafficking", "date_from": "20230101"}, "date_from"),
    ({"q": "trafficking", "date_to": "2023/01/01"}, "date_to"),
    ({"q": "trafficking", "date_from": "2024-01-01", "date_to": "2023-01-01"}, "date_from"),
    ({"q": "trafficking", "mode": "fuzzy"}, "mode"),
    ({"q": "trafficking", "mode": "<script>" * 1000}, "mode"),
]


@pytest.mark.parametrize("endpoint", ["/api/search", "/api/ask"])
@pytest.mark.parametrize("params,parameter", BAD_INPUTS)
def test_bad_query_parameters_give_422_naming_the_parameter(client, endpoint, params, parameter):
    error = assert_error(client.get(endpoint, params=params), 422, parameter, "invalid_parameter")
    assert len(error["message"]) < 300  # a huge bad value is never echoed whole


@pytest.mark.parametrize("endpoint", ["/api/search", "/api/ask"])
@pytest.mark.parametrize("params,parameter", BAD_INPUTS)
def test_bad_json_fields_give_422_naming_the_field(client, endpoint, params, parameter):
    assert_error(client.post(endpoint, json=params), 422, parameter, "invalid_parameter")


def test_a_100_kb_query_is_refused_naming_q(client):
    assert_error(client.post("/api/search", json={"q": "trafficking " * 9000}), 422, "q")
    assert_error(client.post("/api/ask", json={"q": "é" * 100_000}), 422, "q")


def test_a_100_kb_get_query_is_refused_in_the_error_shape_by_the_real_server(seed_index):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        # httpx refuses to build a URL this long; a browser or curl would send it.
        status, headers, body = raw_get(server.port, "/api/search?q=" + "x" * 100_000)
    assert status == 422 and headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["parameter"] == "q"


def raw_get(port: int, target: str) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_unknown_document_is_404_naming_doc(client):
    assert_error(client.get("/api/search", params={"q": "trafficking", "doc": "no-such-doc"}), 404, "doc", "unknown_document")
    assert_error(client.post("/api/ask", json={"q": "trafficking", "doc": ["no-such-doc"]}), 404, "doc")
    assert_error(client.get("/api/documents/no-such-doc"), 404, "doc", "unknown_document")


@pytest.mark.parametrize("body,parameter", [
    (b"{not json", "body"),
    (b"[1, 2]", "body"),
    (b'"just a string"', "body"),
    (b'{"q": "x", "colour": "blue"}', "colour"),
    (b'{"q": 42}', "q"),
    (b'{"q": null}', "q"),
    (b'{"q": "x", "doc": [1]}', "doc"),
    (b'{"q": "\\ud800"}', "q"),  # a lone surrogate cannot be sent back as UTF-8
    (b'{"q": "a\\u0000b"}', "q"),
])
def test_malformed_bodies_give_422(client, body, parameter):
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, parameter)


@pytest.mark.parametrize("q", ["🙂 trafficking 🚢", "émigré naïve façade", "人口贩卖", "\u202e\u200b", "<script>alert(1)</script>",
                               "\" OR 1=1 --", "AND OR NOT ( * ^", "'; DROP TABLE chunks; --"])
def test_unicode_emoji_html_and_fts_syntax_are_just_words(client, q):
    for response in (client.get("/api/search", params={"q": q}), client.post("/api/ask", json={"q": q})):
        assert response.status_code == 200, response.text
        assert response.json()["query"] == q.strip()


def test_unknown_routes_and_methods_use_the_error_shape(client):
    assert_error(client.get("/api/nothing-here"), 404, None, "not_found")
    not_allowed = client.delete("/api/search")
    error = assert_error(not_allowed, 405, None, "method_not_allowed")
    assert "DELETE" in error["message"]
    assert not_allowed.headers["allow"] == "GET, POST"  # both routes on the path, not the first one found
    assert client.post("/api/health").headers["allow"] == "GET"
    assert_error(client.put("/api/ask", json={}), 405, None)


# ------------------------------------------------------------------ CORS and OpenAPI


def test_no_cors_headers_by_default(client):
    response = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://other.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/api/search", headers={"Origin": "https://other.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize("configured,origin,expected", [
    (("https://news.example",), "https://news.example", "https://news.example"),
    (("*",), "https://anyone.example", "*"),
])
def test_cors_when_configured(seed_index, configured, origin, expected):
    with app_client(*seed_index, cors_origins=configured) as client:
        response = client.get("/api/search", params={"q": "x"}, headers={"Origin": origin})
        assert response.headers["access-control-allow-origin"] == expected
        preflight = client.options("/api/search", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == expected
        error = client.get("/api/search", params={"q": ""}, headers={"Origin": origin})
        assert error.headers["access-control-allow-origin"] == expected  # the widget can read errors too


def test_cors_refuses_an_origin_that_is_not_listed(seed_index):
    with app_client(*seed_index, cors_origins=("https://news.example",)) as client:
        response = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in response.headers


def test_openapi_documents_the_error_shape(client):
    schema = client.get("/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["example"]["error"]["parameter"] == "k"
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path in ("/api/search", "/api/ask"):
        for method in ("get", "post"):
            responses = schema["paths"][path][method]["responses"]
            assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
            assert responses["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    params = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert set(params) == {"q", "k", "offset", "doc", "date_from", "date_to", "mode", "country", "org", "format"}
    assert params["q"]["required"] and params["k"]["schema"]["maximum"] == 100
    assert params["mode"]["schema"]["enum"] == ["hybrid", "semantic", "keyword"]


def test_docs_page_is_served_locally(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/api/search" in response.text and "/openapi.json" in response.text
    assert "cdn" not in response.text.lower() and "<script" not in without_own_scripts(response.text)


def test_search_results_as_csv_carry_the_citation_columns(client):
    import csv as csv_module

    as_json = client.get("/api/search", params={"q": "victim protection", "k": 5}).json()
    for response in (client.get("/api/search", params={"q": "victim protection", "k": 5, "format": "csv"}),
                     client.get("/api/search", params={"q": "victim protection", "k": 5}, headers={"Accept": "text/csv"}),
                     client.post("/api/search", json={"q": "victim protection", "k": 5, "format": "csv"})):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv_module.DictReader(io.StringIO(response.text)))
        assert len(rows) == len(as_json["results"])
        for row, result in zip(rows, as_json["results"]):
            c = result["citation"]
            assert row["chunk_id"] == result["chunk_id"] and row["text"] == result["text"]
            assert (row["title"], row["date"], row["paragraph"]) == (c["title"], c["date"], str(c["paragraph"]))
            assert (int(row["start"]), int(row["end"])) == (c["start"], c["end"])
            assert row["url"].startswith("http") and row["url"].endswith(c["url"]) and row["source"] == c["source"]
    assert_error(client.get("/api/search", params={"q": "victim", "format": "xml"}), 422, "format")


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    from search_app.export import _cell

    assert _cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _cell("Ministers met") == "Ministers met"


def test_csv_defuses_every_column_a_statement_s_file_name_reaches():
    import csv as csv_module
    from types import SimpleNamespace

    from search_app.export import results_csv
    from search_app.results import Citation, Hit

    name = "=HYPERLINK(\"http://x\")"
    citation = Citation(name, "-title", None, f"corpus/{name}.txt", None, "@section", 0, 5,
                        "/documents/x", paragraph=1, paragraphs=(1, 1))
    out = results_csv(SimpleNamespace(hits=[Hit(1, 0.5, f"{name}:0", "+text", citation)]), "http://h")
    row = next(csv_module.DictReader(io.StringIO(out)))
    for column in ("doc_id", "chunk_id", "title", "section", "text", "source"):
        assert row[column][:1] not in "=+-@", (column, row[column])
