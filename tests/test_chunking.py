"""Sentence-aware chunks with exact offsets, headings and pages."""

from __future__ import annotations

import re

import pytest

from indexer.chunking import ChunkingParams, chunk_document, embedding_text, split_sentences
from indexer.documents import SUPPORTED_SUFFIXES, load_metadata, read_documents
from indexer.models import Document, Section

from .conftest import SEED_CORPUS


def seed_documents() -> list[Document]:
    metadata = load_metadata(SEED_CORPUS)
    docs = []
    for path in sorted(SEED_CORPUS.iterdir()):
        if path.suffix in SUPPORTED_SUFFIXES:
            docs.extend(read_documents(path, SEED_CORPUS, metadata))
    return docs


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("document", seed_documents(), ids=lambda d: d.doc_id)
def test_every_seed_chunk_is_an_exact_slice_of_its_document(document):
    chunks = chunk_document(document)
    assert chunks, document.doc_id
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
        assert words(chunk.text) <= ChunkingParams().max_words
    # Every sentence of the document is in some chunk.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    for start, end in split_sentences(document.text):
        assert start in covered and end - 1 in covered


@pytest.mark.parametrize("document", seed_documents(), ids=lambda d: d.doc_id)
def test_chunks_never_cut_a_sentence(document):
    sentences = split_sentences(document.text)
    starts = {s for s, _ in sentences}
    ends = {e for _, e in sentences}
    for chunk in chunk_document(document):
        assert chunk.start in starts and chunk.end in ends


def test_banner_never_inside_a_seed_passage():
    doc = next(d for d in seed_documents() if d.doc_id.startswith("2023-11-09"))
    for chunk in chunk_document(doc)[1:]:
        assert "on People Smuggling, Trafficking in Persons and Related Transnational Crime" not in chunk.text


def test_chunk_sizes_and_overlap():
    sentences = [f"Sentence number {i} talks about regional cooperation on returns." for i in range(60)]
    doc = Document("d", "d.txt", "Title", " ".join(sentences))
    chunks = chunk_document(doc)
    assert len(chunks) > 3
    for chunk in chunks[:-1]:
        assert ChunkingParams().min_words <= words(chunk.text) <= ChunkingParams().max_words
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end, "consecutive chunks share a sentence"
        assert b.start > a.start


def test_a_sentence_longer_than_a_chunk_is_cut_at_word_boundaries():
    text = " ".join(f"w{i}" for i in range(1000))  # one 'sentence', no full stop
    doc = Document("d", "d.txt", "Long", text)
    chunks = chunk_document(doc)
    assert len(chunks) >= 1000 // ChunkingParams().max_words
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert re.fullmatch(r"w\d+( w\d+)*", chunk.text)
    assert chunks[-1].text.endswith("w999")


def test_heading_travels_with_the_chunk_and_sections_start_clean():
    intro = "The meeting opened in Bangkok. " * 20
    body = "Members discussed online scams and forced criminality. " * 40
    text = f"Opening\n{intro.strip()}\nOnline scams\n{body.strip()}"
    sections = (Section(0, "Opening"), Section(text.index("Online scams"), "Online scams"))
    doc = Document("d", "d.txt", "A statement", text, sections=sections)
    chunks = chunk_document(doc)
    scam_chunks = [c for c in chunks if "online scams" in c.text]
    assert scam_chunks and all(c.heading == "Online scams" for c in scam_chunks)
    assert any(c.text.startswith("Online scams") for c in chunks), "a section starts a new chunk"
    assert all("Bangkok" not in c.text for c in scam_chunks)
    # What the encoder reads carries the title and the heading.
    mid = next(c for c in scam_chunks if not c.text.startswith("Online scams"))
    assert embedding_text(doc, mid).startswith("A statement\nOnline scams\n")


def test_page_numbers_come_from_page_starts():
    page1 = "First page sentence about protection. " * 30
    page2 = "Second page sentence about prosecution. " * 30
    text = page1 + page2
    doc = Document("d", "d.pdf", "Paged", text, page_starts=(0, len(page1)))
    chunks = chunk_document(doc)
    assert chunks[0].page == 1
    assert chunks[-1].page == 2
    for chunk in chunks:
        assert chunk.page == (1 if chunk.start < len(page1) else 2)


def test_empty_document_has_no_chunks():
    assert chunk_document(Document("d", "d.txt", "Empty", "   \n\n  ")) == []
