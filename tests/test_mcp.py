"""MCP for AI assistants (search_app/mcp_server.py), driven by the official SDK's own client:
over streamable HTTP at /mcp of a real server, and over stdio (`python -m search_app mcp`)."""

from __future__ import annotations

import json
import os
import sys

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from indexer.embedder import FakeEmbedder
from search_app.app import create_app

from .apptools import ServerThread, index_seed_corpus, make_settings
from .conftest import ROOT

TOOLS = {"search", "ask", "timeline", "get_document", "cite", "quote_check"}
DOC = "2024-03-18-bali-process-co-chairs-meet-bangladesh"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    return index_seed_corpus(tmp_path_factory.mktemp("mcp"))


@pytest.fixture(scope="module")
def server(seed_index):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as running:
        yield running


def payload(result) -> dict:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def test_tools_are_listed_with_descriptions_that_ask_for_citations(server):
    async def go():
        async with Client(server.url + "/mcp") as client:
            return (await client.list_tools()).tools
    tools = {t.name: t for t in anyio.run(go)}
    assert set(tools) == TOOLS
    assert "citation" in tools["search"].description and "q" in tools["search"].input_schema["properties"]
    assert {"q", "k", "doc", "date_from", "date_to", "mode"} <= set(tools["ask"].input_schema["properties"])


def test_each_tool_returns_the_api_s_citations(server):
    async def go():
        async with Client(server.url + "/mcp") as client:
            found = payload(await client.call_tool("search", {"q": "PSHTA", "k": 2}))
            asked = payload(await client.call_tool("ask", {"q": "When was the Bali Process founded?"}))
            line = payload(await client.call_tool("timeline", {"q": "PSHTA"}))
            document = payload(await client.call_tool("get_document", {"doc": DOC}))
            checked = payload(await client.call_tool("quote_check", {"text": "The Bali Process was founded in 2002."}))
            cited = await client.call_tool("cite", {"doc": DOC, "paragraph": 1})
            return found, asked, line, document, checked, cited
    found, asked, line, document, checked, cited = anyio.run(go)
    hit = found["results"][0]
    assert len(found["results"]) == 2 and {"doc_id", "title", "date", "paragraph", "url"} <= set(hit["citation"])
    assert hit["citation"]["url"].startswith("http://127.0.0.1:")  # absolute: an assistant shows it as a link
    assert asked["answer"]["span"]["text"] == "2002"
    assert line["entries"] and line["entries"][0]["passages"]
    assert document["doc_id"] == DOC and document["paragraphs"] and document["text"]
    assert checked["sentences"][0]["verdict"] in ("exact", "near")
    assert not cited.is_error and "para. 1" in cited.content[0].text


def test_bad_arguments_are_tool_errors_that_name_them(server):
    async def go():
        async with Client(server.url + "/mcp") as client:
            return [await client.call_tool(name, args) for name, args in (
                ("search", {"q": "x", "k": 0}), ("search", {"q": "x", "date_from": "soon"}),
                ("get_document", {"doc": "nope"}), ("cite", {"doc": DOC, "paragraph": 999}),
                ("quote_check", {"text": "  "}))]
    results = anyio.run(go)
    assert all(r.is_error for r in results)
    assert "`k`" in results[0].content[0].text and "`date_from`" in results[1].content[0].text
    assert "nope" in results[2].content[0].text


def test_documents_are_resources(server):
    async def go():
        async with Client(server.url + "/mcp") as client:
            listing = await client.read_resource("statements://documents")
            text = await client.read_resource(f"statements://documents/{DOC}")
            return listing, text
    listing, text = anyio.run(go)
    assert DOC in {d["doc_id"] for d in json.loads(listing.contents[0].text)["documents"]}
    assert "Bali Process" in text.contents[0].text


def test_mcp_is_rate_limited_like_the_api(seed_index, frozen_rate_clock):
    app = create_app(make_settings(*seed_index, rate_limit="2/minute"), embedder=FakeEmbedder())
    with ServerThread(app) as running:
        async def go():
            async with Client(running.url + "/mcp") as client:
                for _ in range(5):
                    await client.call_tool("search", {"q": "x"})
        with pytest.raises(Exception):
            anyio.run(go)


def test_stdio_serves_the_same_tools(seed_index):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "search_app", "mcp", "--index", str(seed_index[1])], cwd=str(ROOT),
        env={**os.environ, "STATEMENT_SEARCH_EMBEDDER": "fake"})

    async def go():
        with anyio.fail_after(120):
            async with Client(params) as client:
                tools = {t.name for t in (await client.list_tools()).tools}
                return tools, payload(await client.call_tool("search", {"q": "PSHTA", "k": 1}))
    tools, found = anyio.run(go)
    assert tools == TOOLS and found["results"][0]["citation"]["doc_id"]


def test_behind_a_proxy_links_use_the_public_url_and_its_host_is_accepted(seed_index):
    from fastapi.testclient import TestClient

    settings = make_settings(*seed_index, public_url="https://search.example.org")
    app = create_app(settings, embedder=FakeEmbedder())
    with TestClient(app, base_url="https://search.example.org") as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "search", "arguments": {"q": "PSHTA", "k": 1}}}
        headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18"}
        response = client.post("/mcp", json=body, headers=headers)
        assert response.status_code == 200, response.text
        text = response.json()["result"]["content"][0]["text"]
        assert json.loads(text)["results"][0]["citation"]["url"].startswith("https://search.example.org/documents/")
        # A name the server does not answer to is refused (DNS rebinding).
        other = TestClient(app, base_url="http://evil.example")
        assert other.post("/mcp", json=body, headers=headers).status_code in (400, 403, 421)
