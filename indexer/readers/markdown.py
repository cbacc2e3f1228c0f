"""Markdown: plain display text (no '#', '**' or link syntax), headings as sections.

Page banners left by a PDF conversion are removed from the source first, while the page
breaks (runs of blank lines) are still visible; markdown rendering would erase them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.cleaning import TextAssembler, normalise_lines, remove_text_banners
from indexer.errors import UnreadableDocument
from indexer.metadata import parse_date
from indexer.readers import Extraction
from indexer.readers.text import decode_text, encoding_extra

BULLET = "• "
# Nested list items are indented so that their level still reads.
INDENT = "  "
_FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def read_markdown(data: bytes, path: Path, warn: Callable[[str], None]) -> Extraction:
    decoded = decode_text(data, path)
    source = normalise_lines(decoded.text)
    front, source = split_front_matter(source)
    source = remove_text_banners(source)
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    assembled = render_blocks(parser.parse(source))
    if not assembled.text:
        raise UnreadableDocument(path, "no text content")
    title = front.get("title") or (assembled.sections[0].title if assembled.sections else None)
    date = parse_date(front["date"]) if front.get("date") else None
    return Extraction(
        text=assembled.text,
        sections=assembled.sections,
        title=title,
        date=date,
        extra=encoding_extra(decoded),
    )


def split_front_matter(source: str) -> tuple[dict[str, str], str]:
    """A leading YAML block (---) of simple 'key: value' lines; markdown would render it as
    a heading."""
    m = _FRONT_MATTER_RE.match(source)
    if not m:
        return {}, source
    fields = {}
    for line in m.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, source[m.end() :]


def render_inline(token: Token) -> str:
    """Plain text of an inline token: emphasis and link syntax dropped, link text kept."""
    out = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")  # a soft break is a space in markdown, not a line break
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            out.append("\n")
    return "".join(out)


def render_blocks(tokens: list[Token]):
    """Walk block tokens into a TextAssembler; returns its AssembledText."""
    assembler = TextAssembler()
    lists: list[dict] = []  # open lists: ordered?, marker pending for the current item
    row: list[str] | None = None
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append({"marker": None})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                assembler.end_group()
        elif kind == "table_close":
            assembler.end_group()
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else BULLET
            lists[-1]["marker"] = INDENT * (len(lists) - 1) + marker
        elif kind == "heading_open":
            heading_level = int(token.tag[1:])
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            assembler.add_block(" | ".join(row or []), kind="row")
            row = None
        elif kind == "inline":
            text = render_inline(token)
            if row is not None:
                row.append(" ".join(text.split()))
            elif heading_level:
                assembler.add_block(text, kind="heading", level=heading_level)
            elif lists:
                _add_list_text(assembler, lists, text)
            else:
                assembler.add_block(text)
        elif kind in ("fence", "code_block"):
            assembler.add_block(token.content)
        elif kind == "html_block":
            assembler.add_block(html.unescape(_TAG_RE.sub("", token.content)))
    return assembler.build()


def _add_list_text(assembler: TextAssembler, lists: list[dict], text: str) -> None:
    marker = lists[-1]["marker"]
    if marker is None:  # a second paragraph of the same item
        assembler.add_block(INDENT * len(lists) + text, kind="item")
    else:
        assembler.add_block(marker + text, kind="item")
        lists[-1]["marker"] = None
