"""Domain errors. Each names the bad value; the CLI and the app translate them once."""

from __future__ import annotations

from pathlib import Path


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


class CorruptIndex(IndexerError):
    def __init__(self, path: Path | str, detail: str):
        self.path = str(path)
        super().__init__(f"index generation {self.path} is damaged: {detail}")


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
