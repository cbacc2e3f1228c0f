"""Chunk positions held in memory (indexer/positions.py) say what the chunks table says."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from indexer.build import build_index
from indexer.errors import CorruptIndex
from indexer.generation import open_current
from indexer.models import ChunkSpan
from indexer.positions import ChunkPositions
from search_app.live_index import LiveIndex, read_positions_later


@pytest.fixture
def generation(seed_corpus, tmp_path, fake_embedder):
    build_index(seed_corpus, tmp_path / "index", fake_embedder)
    return open_current(tmp_path / "index")


def stored_spans(generation) -> dict[int, ChunkSpan]:
    rows = generation.db.execute('SELECT id, doc_id, ordinal, start, "end", page, heading FROM chunks')
    return {r[0]: ChunkSpan(*r) for r in rows}


def test_every_chunk_is_where_the_table_says(generation):
    stored = stored_spans(generation)
    assert len(stored) > 20 and len({s.doc_id for s in stored.values()}) > 1
    assert any(s.heading for s in stored.values()) and any(s.heading is None for s in stored.values())
    assert generation.chunk_spans(list(stored)) == stored  # from SQLite: positions not read yet
    assert generation._positions is None
    assert len(generation.positions()) == len(stored)
    assert generation.chunk_spans(list(stored)) == stored  # from memory


def test_a_few_ids_in_any_order_and_unknown_ids_left_out(generation):
    stored = stored_spans(generation)
    some = sorted(stored)[::7][::-1]
    generation.positions()
    found = generation.chunk_spans([*some, max(stored) + 1, -5])
    assert found == {i: stored[i] for i in some}
    assert generation.chunk_spans([]) == {}


def test_pages_and_headings_that_are_none_stay_none():
    rows = [(3, "a", 0, 0, 10, None, None), (7, "a", 1, 8, 20, 2, "Intro"), (9, "b", 0, 0, 5, 1, "Intro")]
    positions = ChunkPositions([rows[:2], [], rows[2:]], 3)  # read in batches, an empty one too
    assert positions.spans([9, 3, 7]) == {r[0]: ChunkSpan(*r) for r in rows}
    assert positions.headings == ["Intro"]  # one copy of a heading many chunks share
    assert ChunkPositions([], 0).spans([1]) == {}


def test_rows_that_do_not_match_their_count_or_order_are_refused():
    one, two = (1, "a", 0, 0, 1, None, None), (2, "a", 1, 1, 2, None, None)
    with pytest.raises(ValueError, match="1 chunk rows read, 2 counted"):
        ChunkPositions([[one]], 2)
    with pytest.raises(ValueError, match="more than the 1"):
        ChunkPositions([[one, two]], 1)
    with pytest.raises(ValueError, match="increasing order"):
        ChunkPositions([[two, one]], 2)


def test_a_served_generation_reads_its_positions_in_the_background(generation, fake_embedder):
    live = LiveIndex(generation.path.parent, fake_embedder)
    assert live.refresh()
    served = live.current().generation
    for thread in threading.enumerate():
        if thread.name == f"positions-{served.name}":
            thread.join(timeout=30)
    assert served._positions is not None and len(served._positions) == len(stored_spans(served))


def test_positions_that_cannot_be_read_are_named_and_searches_go_on(generation, fake_embedder, monkeypatch, caplog):
    def broken(db, count):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(ChunkPositions, "read", broken)
    with pytest.raises(CorruptIndex, match="chunk positions cannot be read"):
        generation.positions()
    read_positions_later(generation).join(timeout=30)
    assert "chunk positions cannot be read" in caplog.text and "from SQLite" in caplog.text
    stored = stored_spans(generation)
    assert generation._positions is None and generation.chunk_spans(list(stored)) == stored
