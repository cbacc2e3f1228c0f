"""What a build did, file by file: the report the CLI prints and the admin API returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)  # unchanged files read again by a new or changed reader
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    generation: str | None = None  # None: nothing changed, nothing published
    full: bool = False
    note: str | None = None
    cluster: dict | None = None  # what a Ray cluster did in the embed step (cluster.ClusterStats)
    # Chunk texts embedded by the multilingual model (indexer/multilingual.py); None: not asked for.
    multilingual_embedded: int | None = None

    @property
    def published(self) -> bool:
        return self.generation is not None
