"""The statements over the Model Context Protocol, for AI assistants (the official `mcp` SDK):
streamable HTTP at /mcp in the same app, or stdio (`python -m search_app mcp`).

Tools take the API's parameter names (`q`, `k`, `doc`, `date_from`, ...) and return the API's
JSON, so an assistant gets the same citations a page shows: text, title, date, paragraph and
permalink. Resources list the documents and give each one's text. A thin adapter, like api.py:
it parses with the same functions, calls the same core and shapes with the same models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from .answers import answer_question
from .citations import FORMATS, check_format, render_citation, resolve_citation
from .api import document_out
from .errors import SearchError, UnknownDocument
from .history_schemas import TimelineOut
from .params import parse_search_request
from .requests import DEFAULT_ASK_K, DEFAULT_K
from .schemas import AskOut, DocumentListOut, QuoteCheckOut, SearchOut
from .timeline import build_timeline

INSTRUCTIONS = (
    "Search official statements of the Bali Process (people smuggling, trafficking in persons) and "
    "answer from them. Quote passages word for word with their citation (title, date, paragraph) and "
    "link the permalink the results give; when `ask` returns no answer, say the statements do not hold "
    "one rather than guessing.")
CITE_ADVICE = " Quote the passages you use word for word, each with its citation (title, date, para.) and url."


DESCRIPTIONS = {
    "search": "Ranked passages of the statements for a query (meaning and words), each with its citation. "
              "Filters: doc (document ids), date_from/date_to (YYYY-MM-DD), country, org." + CITE_ADVICE,
    "ask": "Answer a question from the statements: the sentence that answers (answer.text), the words that "
           "answer (answer.span) and its citation, or answer null when the statements hold no answer (say so; "
           "do not guess). Ask in English: a question in another language gets passages only "
           "(declined: \"language\")." + CITE_ADVICE,
    "timeline": "Every statement that addresses a topic, oldest first, with its best passages, a count by year "
                "and the first and latest mention. A period in q ('since 2020', 'in 2016') filters the dates."
                + CITE_ADVICE,
    "get_document": "One statement's full text with its paragraphs (numbers and offsets) and metadata.",
    "cite": "A ready citation of a passage (chunk, from a result's chunk_id) or of a paragraph (doc and "
            f"paragraph), as {', '.join(FORMATS)}.",
    "quote_check": "Check whether a quotation is really in the statements: for each sentence, exact (word for "
                   "word), near (with the words that differ) or not_found, with the statement's own words and "
                   "citation.",
}


class StatementTools:
    """The tools, each a thin adapter over the core as the API routes are; domain errors
    become tool errors that name the argument."""

    def __init__(self, live_index, answer_model, base_url: str = ""):
        self.live_index = live_index
        self.answer_model = answer_model
        self.base_url = base_url

    def live(self):
        try:
            return self.live_index.current()
        except SearchError as exc:
            raise ToolError(exc.message) from None

    def run(self, call, shape=None):
        try:
            result = call()
        except SearchError as exc:
            name = getattr(exc, "name", None)
            raise ToolError(f"{exc.message}" + (f" (argument `{name}`)" if name else "")) from None
        return result if shape is None else _absolute(shape.model_validate(result).model_dump(mode="json"), self.base_url)

    def search(self, q: str, k: int = DEFAULT_K, doc: list[str] | None = None, date_from: str | None = None,
               date_to: str | None = None, mode: str = "hybrid", country: list[str] | None = None,
               org: list[str] | None = None) -> dict:
        return self.run(lambda: self.live().searcher.search(parse_search_request(
            q, k=k, doc=doc, date_from=date_from, date_to=date_to, mode=mode, country=country, org=org)), SearchOut)

    def ask(self, q: str, k: int = DEFAULT_ASK_K, doc: list[str] | None = None, date_from: str | None = None,
            date_to: str | None = None, mode: str = "hybrid", country: list[str] | None = None,
            org: list[str] | None = None) -> dict:
        return self.run(lambda: answer_question(self.live().searcher, parse_search_request(
            q, k=k, doc=doc, date_from=date_from, date_to=date_to, mode=mode, country=country, org=org,
            default_k=DEFAULT_ASK_K), self.answer_model), AskOut)

    def timeline(self, q: str, doc: list[str] | None = None, date_from: str | None = None, date_to: str | None = None,
                 mode: str = "hybrid", country: list[str] | None = None, org: list[str] | None = None) -> dict:
        return self.run(lambda: build_timeline(self.live().searcher, parse_search_request(
            q, doc=doc, date_from=date_from, date_to=date_to, mode=mode, country=country, org=org)), TimelineOut)

    def get_document(self, doc: str) -> dict:
        try:
            return document_out(self.live(), doc).model_dump(mode="json")
        except UnknownDocument:
            raise ToolError(f"no document with id {doc!r} (argument `doc`); the documents resource lists them") from None

    def cite(self, chunk: str | None = None, doc: str | None = None, paragraph: int | None = None,
             format: str = "text") -> str:
        def make():
            fmt = check_format(format)
            record = resolve_citation(self.live().searcher, chunk, doc, paragraph,
                                      (self.base_url or "http://localhost") + "/", datetime.now(timezone.utc).date())
            return render_citation(record, fmt)
        return self.run(make)

    def quote_check(self, text: str) -> dict:
        return self.run(lambda: self.live().quotes.check(text), QuoteCheckOut)

    def documents(self) -> str:
        listing = self.live().documents
        return DocumentListOut(total=len(listing), documents=listing).model_dump_json()

    def document_text(self, doc_id: str) -> str:
        document = self.live().generation.document(doc_id)
        if document is None:
            raise ResourceNotFoundError(f"no document with id {doc_id!r}")
        return document.text


def make_mcp_server(live_index, answer_model, base_url: str = "") -> MCPServer:
    """The MCP server over a LiveIndex (the one the HTTP app serves, or one of its own for
    stdio). `base_url` makes permalinks absolute ("http://127.0.0.1:8000")."""
    server = MCPServer("statement-search", instructions=INSTRUCTIONS)
    tools = StatementTools(live_index, answer_model, base_url)
    for name, description in DESCRIPTIONS.items():
        server.tool(name=name, description=description)(getattr(tools, name))
    server.resource("statements://documents", name="documents", mime_type="application/json",
                    description="Every statement: id, title, date, kind.")(tools.documents)
    server.resource("statements://documents/{doc_id}", name="document", mime_type="text/plain",
                    description="One statement's full text (citation offsets point into it).")(tools.document_text)
    return server


def _absolute(value, base_url: str):
    """The payload with every citation `url` made absolute: an assistant shows links as given."""
    if not base_url:
        return value
    if isinstance(value, dict):
        return {k: (base_url + v if k == "url" and isinstance(v, str) and v.startswith("/") else _absolute(v, base_url))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_absolute(v, base_url) for v in value]
    return value


def run_stdio(argv: list[str]) -> int:
    """`python -m search_app mcp [--index DIR]`: the same tools over stdio, for an assistant
    that starts its servers as commands. Logs go to stderr: stdout carries the protocol."""
    import argparse
    import logging
    import sys

    from indexer.errors import ConfigError
    from indexer.settings import Settings

    from .answers import default_answer_model
    from .live_index import LiveIndex
    from .searcher import SERVER_STAGES

    parser = argparse.ArgumentParser(prog="python -m search_app mcp", description="Serve MCP over stdio.")
    parser.add_argument("--index", type=Path, help="index folder (default: $STATEMENT_SEARCH_INDEX or index/)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(index=args.index)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    embedder = settings.make_embedder()
    live_index = LiveIndex(settings.index, embedder, settings.reload_interval, stages=SERVER_STAGES)
    live_index.start()
    try:
        make_mcp_server(live_index, default_answer_model()).run("stdio")
    finally:
        live_index.stop()
    return 0
