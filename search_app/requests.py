"""What a search asks for, and the limits and defaults of every search parameter, declared
once: the JSON API's models, the pages and the benchmarks all take them from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from indexer.models import ChunkFilter

from .errors import InvalidParameter

MODES = ("hybrid", "semantic", "keyword")
MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_OFFSET = 1000
# Passages returned by a search, and by an ask (whose answer is picked from the top few).
DEFAULT_K = 10
DEFAULT_ASK_K = 5


@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = DEFAULT_K
    offset: int = 0
    docs: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    mode: str = "hybrid"
    # Facet filters (facets.py): passages naming any of these countries / organisations.
    countries: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()

    def validated(self) -> "SearchRequest":
        """Raise InvalidParameter naming the first bad field; returns a normalised copy."""
        query = (self.query or "").strip()
        if not query:
            raise InvalidParameter("q", "the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParameter("q", f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
        if not 1 <= self.k <= MAX_K:
            raise InvalidParameter("k", f"k must be between 1 and {MAX_K}, got {self.k}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidParameter("offset", f"offset must be between 0 and {MAX_OFFSET}, got {self.offset}")
        if self.mode not in MODES:
            raise InvalidParameter("mode", f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidParameter("date_from", f"date_from {self.date_from} is after date_to {self.date_to}")
        return SearchRequest(query, self.k, self.offset, tuple(dict.fromkeys(self.docs)), self.date_from, self.date_to,
                             self.mode, tuple(dict.fromkeys(self.countries)), tuple(dict.fromkeys(self.organisations)))

    @property
    def chunk_filter(self) -> ChunkFilter:
        return ChunkFilter(self.docs, self.date_from.isoformat() if self.date_from else None,
                           self.date_to.isoformat() if self.date_to else None, self.countries, self.organisations)

    @property
    def filtered(self) -> bool:
        return bool(self.chunk_filter)
