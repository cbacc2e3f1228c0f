"""Putting an uploaded file into the corpus folder safely (no web imports).

The name a client sends is never trusted: a path (any / or \\, so ../ and C:\\ too), control
characters or a name longer than any file system takes is refused, and what is left must be a
plain, visible file name of a supported type that resolves inside corpus/.
The file is written beside its final place under a hidden temporary name (the indexer skips
hidden files) and renamed into place, so a build never reads half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from indexer.documents import SUPPORTED_SUFFIXES

from .errors import InvalidUpload

# Long enough for any real title, short enough for every file system (255 bytes a name).
MAX_NAME_CHARS = 120
# No file system takes a longer name, so a client sending one is not naming a real file.
MAX_NAME_BYTES = 255
COPY_BLOCK = 1024 * 1024
# Characters kept as they are; anything else in a name becomes "_".
_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_filename(raw: str | None) -> str:
    """The name an upload is stored under, or InvalidUpload (400 for a name, 415 for a type)."""
    if not raw or not raw.strip():
        raise InvalidUpload(400, "invalid_filename", "the upload has no file name")
    if "\x00" in raw or any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise InvalidUpload(400, "invalid_filename", "the file name contains control characters")
    # Browsers and HTTP libraries send only the name; a path is a mistake or an attack, and
    # quietly keeping its last part could overwrite another corpus file.
    if "/" in raw or "\\" in raw:
        raise InvalidUpload(400, "invalid_filename", f"the file name {_shown(raw)} is a path; send the name only")
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidUpload(400, "invalid_filename", f"the file name is longer than {MAX_NAME_BYTES} bytes")
    name = unicodedata.normalize("NFC", raw.strip())
    name = _UNSAFE.sub("_", name).strip(" .")  # no leading dot (hidden), no "." or ".."
    name = name.lstrip(".-_ ")
    if not name:
        raise InvalidUpload(400, "invalid_filename", f"the file name {_shown(raw)} has nothing usable in it")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise InvalidUpload(
            415, "unsupported_type",
            f"file type {shown} is not supported (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
        )
    stem = Path(name).stem
    if len(name) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .")
    if not stem:
        raise InvalidUpload(400, "invalid_filename", f"the file name {_shown(raw)} has no name before its extension")
    return stem + suffix


def target_path(corpus: Path, name: str) -> Path:
    """corpus/name, refusing anything that would land outside corpus/ (e.g. via a symlink)."""
    root = Path(corpus).resolve()
    target = root / name
    if target.is_symlink() or target.resolve().parent != root:
        raise InvalidUpload(400, "invalid_filename", f"the file name {_shown(name)} does not stay inside the corpus folder")
    if target.exists() and not target.is_file():
        raise InvalidUpload(400, "invalid_filename", f"{_shown(name)} exists in the corpus and is not a file")
    return target


def save_upload(stream: BinaryIO, corpus: Path, name: str, max_bytes: int) -> tuple[Path, bool]:
    """Copy `stream` to corpus/name atomically; (path, whether the file is new). Stops and
    leaves nothing behind as soon as the data passes `max_bytes` (413)."""
    target = target_path(corpus, name)
    existed = target.exists()
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(COPY_BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise InvalidUpload(413, "too_large", f"the file is larger than the {_megabytes(max_bytes)} MB limit")
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InvalidUpload(400, "empty_file", "the uploaded file is empty")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target, not existed


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _shown(name: str) -> str:
    text = repr(name)
    return text if len(text) <= 60 else text[:59] + "…"
