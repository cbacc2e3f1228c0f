"""Full and incremental builds, published atomically, with the report of what changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedder import FakeEmbedder
from indexer.errors import BuildLocked, CorpusNotFound, NothingToIndex, NotAnIndex
from indexer.generation import open_current
from indexer.layout import IndexDir


def build(corpus: Path, index: Path, embedder, **kw):
    return build_index(corpus, index, embedder, **kw)


def test_first_build_publishes_a_generation(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    report = build(tiny_corpus, index, fake_embedder)
    assert report.published and report.generation == "gen-000001"
    assert sorted(report.added) == ["2016-03-22-statement-a.txt", "2023-11-07-statement-b.md"]
    assert report.documents == 2 and report.chunks >= 2
    assert report.chunks_embedded == report.chunks
    assert (index / "CURRENT").read_text().strip() == "gen-000001"
    generation = open_current(index)
    assert generation.counts()["chunks"] == report.chunks
    assert generation.vector_index.ntotal == report.chunks


def test_nothing_changed_publishes_nothing_and_never_loads_the_model(tiny_corpus, tmp_path, fake_embedder, unloadable_embedder):
    index = tmp_path / "index"
    first = build(tiny_corpus, index, fake_embedder)
    again = build(tiny_corpus, index, unloadable_embedder)
    assert not again.published
    assert len(again.unchanged) == 2 and not (again.added or again.changed or again.removed)
    assert again.documents == first.documents and again.chunks == first.chunks
    assert IndexDir(index).generation_names() == ["gen-000001"]


def test_adding_a_document_embeds_only_its_chunks(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    first = build(tiny_corpus, index, fake_embedder)
    (tiny_corpus / "new.txt").write_text("A new statement about the Adelaide Strategy for Cooperation.\n")
    embedder = FakeEmbedder()
    report = build(tiny_corpus, index, embedder)
    assert report.added == ["new.txt"] and len(report.unchanged) == 2
    assert report.chunks_embedded == 1 and embedder.calls == [1]
    assert report.chunks == first.chunks + 1
    assert open_current(index).document("new") is not None


def test_changing_a_document_reembeds_only_changed_chunks(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    path = tiny_corpus / "2023-11-07-statement-b.md"
    path.write_text(path.read_text().replace("Bangkok", "Bangkok, Thailand,"))
    embedder = FakeEmbedder()
    report = build(tiny_corpus, index, embedder)
    assert report.changed == ["2023-11-07-statement-b.md"]
    assert report.chunks_embedded >= 1 and report.chunks_reused >= 1
    generation = open_current(index)
    assert "Bangkok, Thailand," in generation.document("2023-11-07-statement-b").text
    # The old text is gone from both the keyword and the vector side.
    assert generation.vector_index.ntotal == generation.counts()["chunks"]


def test_removing_a_document_drops_it(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    (tiny_corpus / "2016-03-22-statement-a.txt").unlink()
    report = build(tiny_corpus, index, FakeEmbedder())
    assert report.removed == ["2016-03-22-statement-a.txt"] and report.chunks_embedded == 0
    generation = open_current(index)
    assert generation.document("2016-03-22-statement-a") is None
    assert [d.doc_id for d in generation.documents()] == ["2023-11-07-statement-b"]
    assert generation.vector_index.ntotal == generation.counts()["chunks"]
    hits = generation.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'policy'").fetchone()[0]
    assert hits == 0


def test_full_rebuild_reembeds_everything(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    first = build(tiny_corpus, index, fake_embedder)
    embedder = FakeEmbedder()
    report = build(tiny_corpus, index, embedder, full=True)
    assert report.published and report.full
    assert report.chunks_embedded == first.chunks


def test_metadata_change_updates_the_document(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    (tiny_corpus / "metadata.json").write_text(
        '{"2016-03-22-statement-a.txt": {"title": "Renamed statement", "date": "2016-03-23", "kind": "statement"}}'
    )
    report = build(tiny_corpus, index, FakeEmbedder())
    assert report.changed == ["2016-03-22-statement-a.txt"]
    doc = open_current(index).document("2016-03-22-statement-a")
    assert (doc.title, doc.date, doc.kind) == ("Renamed statement", "2016-03-23", "statement")


def test_one_bad_metadata_entry_loses_only_its_field(tiny_corpus, tmp_path, fake_embedder):
    (tiny_corpus / "metadata.json").write_text(
        '{"2016-03-22-statement-a.txt": {"title": "Statement A", "kind": "memo"},'
        ' "2023-11-07-statement-b.md": {"title": "Statement B", "kind": "news"}}')
    report = build(tiny_corpus, tmp_path / "index", fake_embedder)
    generation = open_current(tmp_path / "index")
    a, b = generation.document("2016-03-22-statement-a"), generation.document("2023-11-07-statement-b")
    assert (a.title, b.title, b.kind) == ("Statement A", "Statement B", "article")
    assert a.kind in ("statement", "document")  # from the file name, not the refused "memo"
    assert [w for w in report.warnings if "'2016-03-22-statement-a.txt'" in w and "memo" in w]
    assert not report.skipped


def test_old_generations_are_pruned(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    for i in range(6):
        (tiny_corpus / f"extra-{i}.txt").write_text(f"Extra statement number {i} about returns and reintegration.\n")
        build(tiny_corpus, index, fake_embedder)
    names = IndexDir(index).generation_names()
    assert len(names) == 3 and names[-1] == "gen-000006"


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_indexed(tiny_corpus, tmp_path, fake_embedder):
    (tiny_corpus / "empty.txt").write_bytes(b"")
    (tiny_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tiny_corpus / "fake.docx").write_bytes(b"I am plain text pretending to be Word")
    (tiny_corpus / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (tiny_corpus / "slides.pptx").write_bytes(b"PK\x03\x04")
    (tiny_corpus / "long-line.txt").write_text(("word " * 40_000).strip() + "\n")
    index = tmp_path / "index"
    report = build(tiny_corpus, index, fake_embedder)
    skipped = dict(report.skipped)
    assert set(skipped) == {"empty.txt", "broken.pdf", "fake.docx", "junk.txt", "slides.pptx"}
    assert all(reason and "\n" not in reason for reason in skipped.values())
    assert "long-line.txt" in report.added
    generation = open_current(index)
    assert {d.doc_id for d in generation.documents()} == {"2016-03-22-statement-a", "2023-11-07-statement-b", "long-line"}
    # The next build reports the same files as skipped without reading them again.
    again = build(tiny_corpus, index, FakeEmbedder())
    assert not again.published and set(dict(again.skipped)) == set(skipped)


def test_a_file_broken_after_a_good_build_keeps_its_last_good_version(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    (tiny_corpus / "2016-03-22-statement-a.txt").write_bytes(b"")
    report = build(tiny_corpus, index, FakeEmbedder())
    reason = dict(report.skipped)["2016-03-22-statement-a.txt"]
    assert "kept the previously indexed version" in reason
    assert open_current(index).document("2016-03-22-statement-a") is not None


def test_missing_corpus_is_a_clear_error(tmp_path, fake_embedder):
    with pytest.raises(CorpusNotFound, match="does-not-exist"):
        build(tmp_path / "does-not-exist", tmp_path / "index", fake_embedder)


def test_index_folder_that_is_not_ours_is_refused(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    index.mkdir()
    (index / "thesis.docx").write_text("precious")
    with pytest.raises(NotAnIndex, match="thesis.docx"):
        build(tiny_corpus, index, fake_embedder)
    assert (index / "thesis.docx").read_text() == "precious"


def test_nothing_usable_keeps_the_previous_index(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    (empty / "bad.txt").write_bytes(b"")
    with pytest.raises(NothingToIndex):
        build(empty, index, FakeEmbedder(), full=True)
    assert (index / "CURRENT").read_text().strip() == "gen-000001"
    assert open_current(index).counts()["documents"] == 2
    assert not [p for p in os.listdir(index) if p.startswith(".tmp-")]


def test_second_concurrent_build_stops_with_a_clear_message(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    with IndexDir(index).lock():
        with pytest.raises(BuildLocked, match="another build is running"):
            build(tiny_corpus, index, fake_embedder)
    assert build(tiny_corpus, index, fake_embedder).published


def test_changed_chunking_settings_force_a_full_rebuild(tiny_corpus, tmp_path, fake_embedder):
    from indexer.chunking import ChunkingParams

    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    report = build(tiny_corpus, index, FakeEmbedder(), params=ChunkingParams(max_words=80))
    assert report.published and report.full and "rebuilding everything" in report.note


# ------------------------------------------------------------------ readers that appear or change


def test_a_file_skipped_for_want_of_a_reader_is_read_once_a_reader_appears(tiny_corpus, tmp_path, fake_embedder, monkeypatch):
    from indexer import documents
    from indexer.documents import Reader
    from indexer.readers.text import read_text

    index = tmp_path / "index"
    (tiny_corpus / "2024-02-02-notes.rtf").write_text("Notes on the Regional Support Office and its toolkit.\n")
    first = build(tiny_corpus, index, fake_embedder)
    assert dict(first.skipped)["2024-02-02-notes.rtf"].startswith("unsupported file type '.rtf'")
    again = build(tiny_corpus, index, fake_embedder)
    assert not again.published and "2024-02-02-notes.rtf" in dict(again.skipped)  # still remembered

    monkeypatch.setitem(documents.READERS, ".rtf", Reader("rtf-as-text", 1, read_text))
    embedder = FakeEmbedder()
    report = build(tiny_corpus, index, embedder)
    assert report.reread == ["2024-02-02-notes.rtf"] and not report.skipped
    assert open_current(index).document("2024-02-02-notes") is not None
    assert report.chunks_embedded == 1  # only the new file's chunk; nothing else was read


def test_a_new_reader_version_reads_its_files_again_but_embeds_only_what_changed(tiny_corpus, tmp_path, fake_embedder, monkeypatch):
    from indexer import documents
    from indexer.documents import Reader

    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    old = documents.READERS[".md"]

    def read_and_shout(data, path, warn):
        found = old.read(data, path, warn)
        return type(found)(found.text.replace("Bangkok", "BANGKOK"), found.sections, found.page_starts,
                           found.title, found.date, found.extra)

    monkeypatch.setitem(documents.READERS, ".md", Reader(old.name, old.version + 1, read_and_shout))
    monkeypatch.setitem(documents.READERS, ".markdown", documents.READERS[".md"])
    embedder = FakeEmbedder()
    report = build(tiny_corpus, index, embedder)
    assert report.reread == ["2023-11-07-statement-b.md"] and report.unchanged == ["2016-03-22-statement-a.txt"]
    assert 1 <= report.chunks_embedded < report.chunks and report.chunks_reused >= 1
    assert "BANGKOK" in open_current(index).document("2023-11-07-statement-b").text
    assert open_current(index).manifest["readers"][".md"].startswith(f"{old.name}@{old.version + 1}+paragraphs@")
    assert not build(tiny_corpus, index, FakeEmbedder()).published  # and then it is up to date


def test_an_index_without_reader_versions_reads_its_files_once_more_without_embedding(tiny_corpus, tmp_path, fake_embedder):
    import json

    index = tmp_path / "index"
    build(tiny_corpus, index, fake_embedder)
    manifest_path = open_current(index).path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["readers"]  # as written before readers were recorded
    manifest_path.write_text(json.dumps(manifest))
    report = build(tiny_corpus, index, FakeEmbedder())
    assert sorted(report.reread) == ["2016-03-22-statement-a.txt", "2023-11-07-statement-b.md"]
    assert report.published and report.chunks_embedded == 0
