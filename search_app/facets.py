"""Facet counts of a search: how many of the matching passages name each country,
organisation and person (recorded per chunk at build time, indexer/facets.py), and come from
each kind of document and each year. The filters that narrow by them are ChunkFilter's."""

from __future__ import annotations

from collections import Counter

from indexer.facets import FACET_NAMES
from indexer.generation import Generation

from .passages import DocumentCache
from .results import Passage

# Values shown per facet, most frequent first: a page lists a few dozen checkboxes at most.
MAX_VALUES = 30
KINDS, YEARS = "kinds", "years"


def count_facets(passages: list[Passage], generation: Generation, documents: DocumentCache,
                 max_values: int = MAX_VALUES) -> dict[str, dict[str, int]]:
    """{"countries": {"Thailand": 3, ...}, "organisations": {...}, "people": {...}, "kinds":
    {...}, "years": {...}} over the passages; years in date order, the rest most frequent first."""
    counts: dict[str, Counter] = {name: Counter() for name in (*FACET_NAMES, KINDS, YEARS)}
    named = generation.chunk_facets([p.chunk for p in passages if p.chunk is not None])
    for p in passages:
        for facet, value in set(named.get(p.chunk, ())):
            counts[facet][value] += 1
        info = documents.info(p.doc_id)
        if info is not None:
            counts[KINDS][info.kind] += 1
            if info.date:
                counts[YEARS][info.date[:4]] += 1
    out = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:max_values]) for name, c in counts.items()}
    out[YEARS] = dict(sorted(counts[YEARS].items()))
    return out
