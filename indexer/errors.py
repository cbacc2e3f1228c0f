"""Domain errors. Each names the bad value; the CLI and the app translate them once."""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class IndexerError(Exception):
    """Base for every error the indexer reports to a person."""


class UnreadableDocument(IndexerError):
    """A corpus file that cannot be turned into a document; the build skips it."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NothingToIndex(IndexerError):
    def __init__(self, corpus: Path | str, skipped: list[tuple[str, str]]):
        self.skipped = list(skipped)
        super().__init__(
            f"nothing usable to index in {corpus}: no file could be read ({len(self.skipped)} skipped); "
            "the published index, if any, is unchanged"
        )


class CorpusNotFound(IndexerError):
    def __init__(self, path: Path | str):
        self.path = str(path)
        super().__init__(f"corpus folder does not exist: {self.path}")


class NotAnIndex(IndexerError):
    """The index folder holds things we did not put there; we refuse to write into it."""

    def __init__(self, path: Path | str, stranger: str):
        self.path = str(path)
        super().__init__(
            f"{self.path} is not a statement-search index (it contains {stranger!r}); "
            "choose an empty folder or an existing index with --index"
        )


class NoIndex(IndexerError):
    def __init__(self, path: Path | str, detail: str = "no published generation"):
        self.path = str(path)
        super().__init__(
            f"no usable index in {self.path} ({detail}); build one with: python -m indexer build"
        )


class MissingDependency(IndexerError):
    """An optional package a setting asks for is not installed."""

    def __init__(self, package: str, purpose: str, how: str):
        self.package = package
        super().__init__(f"{purpose} need the package {package!r}, which is not installed ({how})")


class CorruptIndex(IndexerError):
    def __init__(self, path: Path | str, detail: str):
        self.path = str(path)
        super().__init__(f"index generation {self.path} is damaged: {detail}")


class ModelMismatch(CorruptIndex):
    """A sound generation whose vectors come from another model or precision than the reader's:
    refused all the same (its vectors and the queries' would not compare), but not damaged."""

    def __init__(self, path: Path | str, built_with: str | None, expected: str):
        self.path = str(path)
        self.built_with, self.expected = built_with, expected
        IndexerError.__init__(
            self,
            f"index generation {self.path} was built with model {built_with!r}, this server uses {expected!r}: "
            "build the index again with this server's embedder (STATEMENT_SEARCH_EMBEDDER), which re-embeds "
            "everything, or serve it with the embedder it was built with",
        )


class BuildLocked(IndexerError):
    def __init__(self, path: Path | str):
        self.path = str(path)
        super().__init__(
            f"another build is running on {self.path}; wait for it to finish and run the build again"
        )


class ConfigError(IndexerError):
    """A setting with a value we cannot use; the message names the setting."""


class IndexWriteFailed(IndexerError):
    """The index folder could not be written (disk full, read-only, forbidden); the build
    published nothing, so whatever was live stays live."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(
            f"could not write the index in {self.path}: {reason}; nothing was published "
            "(the live index, if any, is unchanged); fix that and run the build again"
        )


# Why a write fails, as a person would say it (the errno name alone means little to most).
_WRITE_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def describe_write_error(exc: BaseException) -> str:
    """One line saying why writing the index failed: OSError from Python, sqlite3.Error from
    SQLite, RuntimeError from FAISS (whose text ends in the C library's strerror)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        problem = _WRITE_PROBLEMS.get(exc.errno) or exc.strerror or str(exc)
        return f"{problem} ({exc.filename})" if exc.filename else problem
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    source = "SQLite" if isinstance(exc, sqlite3.Error) else "FAISS" if isinstance(exc, RuntimeError) else "OS"
    for code, problem in _WRITE_PROBLEMS.items():
        if os.strerror(code) in text:
            return f"{problem} ({source}: {text[-160:]})"
    if "disk is full" in text or "readonly database" in text:  # SQLite's own wording
        problem = "the disk is full" if "full" in text else "the file system is read-only"
        return f"{problem} ({source}: {text})"
    return f"{source}: {text[-200:]}"


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Around code that writes the index folder: a failed write becomes IndexWriteFailed
    naming the cause, instead of a traceback from three different libraries."""
    try:
        yield
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise IndexWriteFailed(path, describe_write_error(exc)) from exc
