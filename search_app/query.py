"""A query prepared once, before any retriever sees it: its text, the long forms of its
acronyms, what the encoder reads and its content words. Every stage reads the same value."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from indexer.models import ChunkFilter
from indexer.terms import query_words

from .acronyms import AcronymExpander


@dataclass(frozen=True)
class PreparedQuery:
    text: str
    expansions: tuple[str, ...] = ()  # long forms of the query's acronyms, as the statements give them
    # The encoder's vector of dense_text, once a dense search has made it (None in keyword mode):
    # rerankers read it rather than encode the query again.
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @cached_property
    def dense_text(self) -> str:
        """What the encoder reads: an acronym is noise to it, its long form meaning."""
        return self.text + "".join(f" ({e})" for e in self.expansions)

    @cached_property
    def words(self) -> list[str]:
        return query_words(self.text)


@dataclass(frozen=True)
class Scope:
    """Which chunks a search may return: the request's filter, and the chunk ids it leaves
    (None: every chunk; the filter is empty)."""

    filter: ChunkFilter = field(default_factory=ChunkFilter)
    ids: np.ndarray | None = None

    @property
    def empty(self) -> bool:
        return self.ids is not None and len(self.ids) == 0


# Prepared queries remembered per generation: a search and its answer ask for the same one
# several times (retrieval, the answer's evidence, the query vector).
PREPARED_CACHE_SIZE = 1024


class QueryPreparer:
    """Prepares queries against one generation (whose statements define the acronyms); each
    text once (dict operations are atomic, so threads may share the memo)."""

    def __init__(self, generation):
        self.acronyms = AcronymExpander(generation)
        self._prepared: dict[str, PreparedQuery] = {}

    def prepare(self, text: str) -> PreparedQuery:
        prepared = self._prepared.get(text)
        if prepared is None:
            if len(self._prepared) >= PREPARED_CACHE_SIZE:
                self._prepared.clear()
            prepared = self._prepared[text] = PreparedQuery(text, self.acronyms.expansions(text))
        return prepared
