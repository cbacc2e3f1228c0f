"""Where every chunk of a generation sits (its document, ordinal, offsets, page and heading),
held in memory as arrays. Every search asks where its ~200 candidates sit (trim_overlaps, the
DocumentMatch reranker), which SQLite answered with a query and a ChunkSpan built per row:
in-process hybrid search on SciFact p50 9.08 -> 8.59 ms with the arrays (fp32, one process);
at 1M chunks semantic 2.84 -> 2.64 ms, hybrid 10.90 -> 10.45. The cost: ~65 MB at 1M chunks
(40 bytes of arrays a chunk, plus the document ids and headings) and one scan of the chunks
table, 3.3 s at 1M with the table in the page cache (9 s from disk), which a server does in the
background once it serves the generation (live_index.read_positions_later)."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .models import ChunkSpan

# Rows fetched from SQLite at a time while reading: the whole table never sits in Python objects.
READ_ROWS = 20_000


class ChunkPositions:
    """Chunk id -> ChunkSpan, for a read-only generation's chunks table."""

    def __init__(self, batches: Iterable[Sequence[tuple]], count: int):
        """`batches` of rows (id, doc_id, ordinal, start, end, page, heading), ids increasing;
        `count` rows in all."""
        self.ids = np.empty(count, np.int64)
        # doc, ordinal, start, end, page (-1: none), heading (-1: none); offsets may pass 2**31.
        columns = [np.empty(count, dtype) for dtype in (np.int32, np.int32, np.int64, np.int64, np.int32, np.int32)]
        self.doc_ids: list[str] = []
        self.headings: list[str] = []
        doc_index: dict[str, int] = {}
        heading_index: dict[str | None, int] = {None: -1}
        n = 0
        for batch in batches:
            if not batch:
                continue
            if n + len(batch) > count:
                raise ValueError(f"more than the {count} chunk rows counted")
            ids, docs, ordinals, starts, ends, pages, headings = zip(*batch)
            for doc in docs:
                if doc not in doc_index:
                    doc_index[doc] = len(self.doc_ids)
                    self.doc_ids.append(doc)
            for heading in headings:
                if heading not in heading_index:
                    heading_index[heading] = len(self.headings)
                    self.headings.append(heading)
            part = slice(n, n + len(batch))
            self.ids[part] = ids
            for column, values in zip(columns, ([doc_index[d] for d in docs], ordinals, starts, ends,
                                                [-1 if p is None else p for p in pages],
                                                [heading_index[h] for h in headings])):
                column[part] = values
            n += len(batch)
        if n != count:
            raise ValueError(f"{n} chunk rows read, {count} counted")
        if count > 1 and not bool(np.all(np.diff(self.ids) > 0)):
            raise ValueError("chunk ids are not in increasing order")
        self.docs, self.ordinals, self.starts, self.ends, self.pages, self.heading_at = columns

    @classmethod
    def read(cls, db, count: int) -> "ChunkPositions":
        """The `count` rows of the chunks table (a Generation knows it: open() checked it)."""
        cursor = db.execute('SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks ORDER BY id')
        return cls(iter(lambda: cursor.fetchmany(READ_ROWS), []), count)

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
