"""PDF: text per page with pypdf; running headers and footers removed; page offsets kept."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from pypdf import PasswordType, PdfReader

from indexer.cleaning import clean_pdf_pages
from indexer.errors import UnreadableDocument
from indexer.metadata import is_meaningful_title, title_from_first_line
from indexer.readers import Extraction

# The PDF header may follow a little junk (some generators prepend bytes); readers accept it
# within the first kilobyte.
HEADER_WINDOW = 1024
NO_TEXT = "no extractable text (scanned PDF? OCR is not supported)"


def read_pdf(data: bytes, path: Path, warn: Callable[[str], None]) -> Extraction:
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise UnreadableDocument(path, "not a readable PDF: the file has no PDF header")
    reader = _open(data, path)
    pages: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            pages.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged streams
            warn(f"{path}: page {number}: text could not be extracted ({_one_line(exc)})")
            pages.append("")
    if not any(p.strip() for p in pages):
        raise UnreadableDocument(path, NO_TEXT)
    assembled = clean_pdf_pages(pages)
    if not assembled.text:
        raise UnreadableDocument(path, NO_TEXT)
    title = _metadata_title(reader) or title_from_first_line(assembled.text)
    return Extraction(
        text=assembled.text,
        sections=assembled.sections,
        page_starts=assembled.page_starts,
        title=title,
        extra={"pages": len(pages)},
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _open(data: bytes, path: Path) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")  # many PDFs only restrict editing
            except Exception as exc:
                raise UnreadableDocument(path, f"not a readable PDF: encrypted ({_one_line(exc)})") from exc
            if unlocked == PasswordType.NOT_DECRYPTED:
                raise UnreadableDocument(path, "not a readable PDF: encrypted, a password is required")
        len(reader.pages)  # parses the page tree: damage shows here
        return reader
    except UnreadableDocument:
        raise
    except Exception as exc:
        raise UnreadableDocument(path, f"not a readable PDF: {_one_line(exc)}") from exc


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # noqa: BLE001 - a damaged info dictionary is no reason to drop the document
        return None
    title = " ".join(str(title).split()) if title else None
    return title if is_meaningful_title(title) else None
