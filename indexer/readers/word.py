"""Word .docx: paragraphs in order, "Heading N" styles as sections, tables as rows of cells."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.cleaning import TextAssembler
from indexer.errors import UnreadableDocument
from indexer.metadata import is_meaningful_title
from indexer.readers import Extraction

BULLET = "• "
_HEADING_STYLE_RE = re.compile(r"^heading\s*(\d)?$", re.IGNORECASE)


def read_docx(data: bytes, path: Path, warn: Callable[[str], None]) -> Extraction:
    document = _open(data, path)
    assembler = TextAssembler()
    title_paragraph: str | None = None
    numbers: dict[str, int] = {}  # running counter per numbered list
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            assembler.end_group()
            _add_table(assembler, block)
            assembler.end_group()
            continue
        text = block.text
        style = (block.style.name if block.style is not None else "") or ""
        heading = _HEADING_STYLE_RE.match(style.strip())
        if style == "Title":
            title_paragraph = title_paragraph or " ".join(text.split()) or None
            assembler.add_block(text, kind="heading", level=1)
        elif heading:
            assembler.add_block(text, kind="heading", level=int(heading.group(1) or 1))
        elif (marker := _list_marker(document, block, style, numbers)) is not None:
            if text.strip():
                assembler.add_block(marker + text.strip(), kind="item")
        else:
            numbers.clear()  # a plain paragraph ends the numbered list
            assembler.add_block(text)
    assembled = assembler.build()
    if not assembled.text:
        raise UnreadableDocument(path, "no text in the document")
    core_title = document.core_properties.title
    title = (
        title_paragraph
        or (core_title if is_meaningful_title(core_title) else None)
        or (assembled.sections[0].title if assembled.sections else None)
    )
    return Extraction(text=assembled.text, sections=assembled.sections, title=title)


def _open(data: bytes, path: Path) -> DocxDocument:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableDocument(path, "not a valid .docx file: not a zip archive (an old .doc, or renamed?)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableDocument(path, f"not a valid .docx file: {exc}") from exc
    if "word/document.xml" not in names:
        raise UnreadableDocument(path, "not a valid .docx file: the archive has no word/document.xml")
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UnreadableDocument(path, f"not a valid .docx file: {reason}") from exc


def _add_table(assembler: TextAssembler, table: Table) -> None:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:
                continue  # a merged cell is returned once per grid column it spans
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            assembler.add_block(" | ".join(cells), kind="row")


def _list_marker(document: DocxDocument, paragraph: Paragraph, style: str, numbers: dict[str, int]) -> str | None:
    """'• ' or 'N. ' for a list paragraph, None for any other paragraph."""
    lowered = style.lower()
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if lowered.startswith("list bullet"):
        fmt, key = "bullet", style
    elif lowered.startswith("list number"):
        fmt, key = "decimal", style
    elif num_pr is not None and num_pr.numId is not None:
        num_id = str(num_pr.numId.val)
        level = str(num_pr.ilvl.val) if num_pr.ilvl is not None else "0"
        fmt, key = _numbering_format(document, num_id, level), f"{num_id}:{level}"
    else:
        return None
    if fmt == "bullet":
        return BULLET
    numbers[key] = numbers.get(key, 0) + 1
    return f"{numbers[key]}. "


def _numbering_format(document: DocxDocument, num_id: str, level: str) -> str:
    """The numFmt ('bullet', 'decimal', ...) of a list level; 'bullet' when unknown."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return "bullet"
    # python-docx elements resolve the w: prefix themselves.
    abstract = numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
    if not abstract:
        return "bullet"
    fmt = numbering.xpath(
        f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]/w:numFmt/@w:val'
    )
    return fmt[0] if fmt and fmt[0] != "none" else "bullet"
