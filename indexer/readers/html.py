"""HTML: the main content only, as paragraphs; h1-h6 become sections."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from indexer.cleaning import TextAssembler
from indexer.errors import UnreadableDocument
from indexer.metadata import is_meaningful_title, parse_date
from indexer.readers import Extraction
from indexer.readers.text import declared_charset, decode_text, encoding_extra

# Page furniture, not content.
DROP_SELECTOR = ", ".join(
    [
        "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template",
        "svg", "iframe", "head", "[role=navigation]", "[role=banner]", "[role=contentinfo]",
        "[hidden]", "[aria-hidden=true]",
    ]
)  # fmt: skip
# meta name/property values that carry a publication date, best first.
DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
    "dc.date.issued", "dcterms.date", "dcterms.issued", "dcterms.created", "citation_date",
    "citation_publication_date", "publication_date", "pubdate", "publish-date", "sailthru.date",
)  # fmt: skip
BLOCK_TAGS = frozenset(
    "address article blockquote dd details dialog div dl dt fieldset figcaption figure hgroup "
    "hr li main ol p pre section summary table caption ul h1 h2 h3 h4 h5 h6 body html".split()
)
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BULLET = "• "
_SPACE_RE = re.compile(r"\s+")


def read_html(data: bytes, path: Path, warn: Callable[[str], None]) -> Extraction:
    decoded = decode_text(data, path, declared=declared_charset(data))
    tree = LexborHTMLParser(decoded.text)
    title = find_html_title(tree)
    date = find_html_date(tree)
    while (junk := tree.css_first(DROP_SELECTOR)) is not None:
        junk.decompose()  # outermost first, so no node is freed twice
    root = tree.css_first("main") or tree.css_first("article") or tree.body or tree.root
    assembled = _HtmlWalker().walk(root) if root is not None else None
    if assembled is None or not assembled.text:
        raise UnreadableDocument(path, "no text content (the page has no readable main content)")
    if title is None and assembled.sections:
        title = assembled.sections[0].title
    return Extraction(
        text=assembled.text,
        sections=assembled.sections,
        title=title,
        date=date,
        extra=encoding_extra(decoded),
    )


def _collapse(text: str | None) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()


def _meta_content(tree: LexborHTMLParser, names: tuple[str, ...]) -> list[str]:
    found: dict[str, str] = {}
    for meta in tree.css("meta"):
        attrs = meta.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in names and attrs.get("content") and key not in found:
            found[key] = attrs["content"] or ""
    return [found[n] for n in names if n in found]


def find_html_title(tree: LexborHTMLParser) -> str | None:
    """og:title (usually without the site-name suffix), else <title>, else the first h1."""
    candidates = _meta_content(tree, ("og:title",))
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None:
            candidates.append(node.text())
    return next((_collapse(c) for c in candidates if is_meaningful_title(_collapse(c))), None)


def find_html_date(tree: LexborHTMLParser) -> str | None:
    values = _meta_content(tree, DATE_META)
    values += [t.attributes.get("datetime") or "" for t in tree.css("time[datetime]")]
    return next((d for d in (parse_date(v) for v in values if v) if d), None)


class _HtmlWalker:
    """Turns an element tree into blocks. Iterative: real pages nest deeper than Python recurses."""

    def __init__(self) -> None:
        self.assembler = TextAssembler()
        self.inline: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.marker: str | None = None
        self.pre_depth = 0

    def walk(self, root: LexborNode):
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            tag = node.tag or ""
            if leaving:
                self._leave(node, tag)
            elif tag == "-text":
                text = node.text(deep=False) or ""
                self.inline.append(text if self.pre_depth else _SPACE_RE.sub(" ", text))
            elif tag.startswith(("-", "_")):
                continue  # comments and other non-element nodes
            elif tag == "tr":
                self._flush()
                cells = [_collapse(c.text(separator=" ")) for c in node.iter() if c.tag in ("td", "th")]
                if any(cells):
                    self.assembler.add_block(" | ".join(cells), kind="row")
            else:
                self._enter(node, tag)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
        self._flush()
        return self.assembler.build()

    def _enter(self, node: LexborNode, tag: str) -> None:
        if tag == "br":
            self.inline.append("\n")
        elif tag in BLOCK_TAGS:
            self._flush()
        if tag == "pre":
            self.pre_depth += 1
        elif tag in ("ul", "ol"):
            start = node.attributes.get("start") or "1"
            self.lists.append([int(start)] if tag == "ol" and start.isdigit() else ([1] if tag == "ol" else []))
        elif tag == "li":
            numbering = self.lists[-1] if self.lists else []
            marker = f"{numbering[0]}. " if numbering else BULLET
            if numbering:
                numbering[0] += 1
            self.marker = "  " * max(0, len(self.lists) - 1) + marker

    def _leave(self, node: LexborNode, tag: str) -> None:
        if tag in HEADINGS:
            self._flush(kind="heading", level=HEADINGS[tag])
        elif tag in BLOCK_TAGS:
            self._flush()
        if tag == "pre":
            self.pre_depth -= 1
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self.assembler.end_group()
        elif tag == "table":
            self.assembler.end_group()
        elif tag == "li":
            self.marker = None

    def _flush(self, kind: str = "paragraph", level: int = 0) -> None:
        raw = "".join(self.inline)
        self.inline = []
        if self.pre_depth:
            text = raw.strip("\n")
        else:
            text = "\n".join(" ".join(line.split()) for line in raw.split("\n"))
        if not text.strip():
            return
        if kind == "heading":
            self.assembler.add_block(text, kind="heading", level=level)
        elif self.marker is not None:
            self.assembler.add_block(self.marker + text.strip(), kind="item")
            self.marker = None
        else:
            self.assembler.add_block(text, kind="item" if self.lists else "paragraph")
