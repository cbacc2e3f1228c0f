"""Where every chunk of a generation sits (its document, ordinal, offsets, page and heading),
held in memory as arrays. Every search asks where its ~200 candidates sit (trim_overlaps, the
DocumentMatch reranker): SQLite answered that in ~0.7 ms a search, these arrays in ~0.1
(bench/http_speed.py). About 40 bytes a chunk (40 MB at a million chunks), read once per
generation, before it is served: a generation never changes."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .models import ChunkSpan

# Rows fetched from SQLite at a time while reading: the whole table never sits in Python objects.
READ_ROWS = 20_000


class ChunkPositions:
    """Chunk id -> ChunkSpan, for a read-only generation's chunks table."""

    def __init__(self, rows: Iterable[tuple], count: int):
        """`rows`: (id, doc_id, ordinal, start, end, page, heading) ordered by id; `count` of them."""
        self.ids = np.empty(count, np.int64)
        # doc, ordinal, start, end, page (-1: none), heading (-1: none); offsets may pass 2**31.
        columns = [np.empty(count, dtype) for dtype in (np.int32, np.int32, np.int64, np.int64, np.int32, np.int32)]
        self.doc_ids: list[str] = []
        self.headings: list[str] = []
        doc_index: dict[str, int] = {}
        heading_index: dict[str, int] = {}
        n = 0
        for chunk_id, doc_id, ordinal, start, end, page, heading in rows:
            if n == count:
                raise ValueError(f"more than the {count} chunk rows counted")
            self.ids[n] = chunk_id
            doc = doc_index.get(doc_id)
            if doc is None:
                doc = doc_index[doc_id] = len(self.doc_ids)
                self.doc_ids.append(doc_id)
            head = -1 if heading is None else heading_index.get(heading)
            if head is None:
                head = heading_index[heading] = len(self.headings)
                self.headings.append(heading)
            for column, value in zip(columns, (doc, ordinal, start, end, -1 if page is None else page, head)):
                column[n] = value
            n += 1
        if n != count:
            raise ValueError(f"{n} chunk rows read, {count} counted")
        self.docs, self.ordinals, self.starts, self.ends, self.pages, self.heading_at = columns

    @classmethod
    def read(cls, db) -> "ChunkPositions":
        count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        cursor = db.execute('SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks ORDER BY id')

        def rows():
            while batch := cursor.fetchmany(READ_ROWS):
                yield from batch

        return cls(rows(), count)

    def __len__(self) -> int:
        return len(self.ids)

    def spans(self, ids) -> dict[int, ChunkSpan]:
        """Where each of `ids` sits, by id; ids of no chunk are left out."""
        wanted = np.asarray([int(i) for i in ids], dtype=np.int64)
        if not len(wanted) or not len(self.ids):
            return {}
        at = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        found = self.ids[at] == wanted
        at = at[found]
        doc_ids, headings = self.doc_ids, self.headings
        return {
            chunk_id: ChunkSpan(chunk_id, doc_ids[doc], ordinal, start, end, None if page < 0 else page,
                                None if head < 0 else headings[head])
            for chunk_id, doc, ordinal, start, end, page, head in zip(
                wanted[found].tolist(), self.docs[at].tolist(), self.ordinals[at].tolist(), self.starts[at].tolist(),
                self.ends[at].tolist(), self.pages[at].tolist(), self.heading_at[at].tolist())
        }
