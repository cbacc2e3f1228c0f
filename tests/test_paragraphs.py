"""Numbered paragraphs: the statements' own numbers kept, list items inside their paragraph,
every paragraph's offsets inside the text, pages for PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .apptools import build
from indexer.metadata import load_metadata
from indexer.paragraphs import paragraph_at, split_paragraphs

from .test_documents import SEED_CORPUS, STATEMENT_PAGES, make_docx, make_pdf, read_one


def _texts(doc) -> list[str]:
    return [doc.text[p.start:p.end] for p in split_paragraphs(doc.text, doc.page_starts)]


def _assert_well_formed(text: str, paragraphs) -> None:
    assert paragraphs, "a document with text has paragraphs"
    for before, after in zip(paragraphs, paragraphs[1:]):
        assert before.end <= after.start, "paragraphs do not overlap and come in order"
    for p in paragraphs:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == text[p.start:p.end].strip(), "no paragraph starts or ends in white space"
    # Nothing of the text is outside a paragraph but white space.
    outside = [text[a.end:b.start] for a, b in zip(paragraphs, paragraphs[1:])]
    assert all(not gap.strip() for gap in outside + [text[:paragraphs[0].start], text[paragraphs[-1].end:]])


def _seed(name: str):
    metadata = load_metadata(SEED_CORPUS)
    return read_one(SEED_CORPUS / name, SEED_CORPUS, metadata)


def test_every_seed_document_is_covered_by_ordered_paragraphs():
    for path in sorted(SEED_CORPUS.iterdir()):
        if path.name == "metadata.json":
            continue
        doc = _seed(path.name)
        paragraphs = split_paragraphs(doc.text, doc.page_starts)
        _assert_well_formed(doc.text, paragraphs)
        numbers = [p.n for p in paragraphs]
        assert numbers == list(range(1, len(numbers) + 1)), path.name  # none numbers its own


def test_the_converted_pdf_statement_keeps_its_banner_out_and_its_numbered_headings_inside():
    doc = _seed("2023-11-09-wg-trafficking-ninth-annual-meeting-co-chairs-statement.md")
    texts = _texts(doc)
    # "1. Victim-centred approaches ..." numbers a section heading, not a paragraph: the
    # document is counted from 1, and the headings open the paragraph they head.
    assert any(t.startswith("1. Victim-centred approaches") for t in texts)
    assert sum("on People Smuggling, Trafficking in Persons and Related Transnational Crime" in t for t in texts) == 1
    first = texts[0]
    assert first.startswith("The Bali Process") and "On 7 and 8 November 2023" in first  # title heads paragraph 1


def test_slide_bullets_belong_to_the_line_that_introduces_them():
    doc = _seed("2013-09-27-ctip-regional-support-office-slides.txt")
    texts = _texts(doc)
    objectives = next(t for t in texts if t.startswith("Objectives of the meeting today"))
    assert objectives.count("•") == 4
    assert not any(t.startswith("•") for t in texts)


def test_a_statement_numbering_its_paragraphs_keeps_its_numbers():
    text = ("Co-Chairs' Statement\n\nThe Ministers met in Bali.\n\n"
            "1. Ministers welcomed the report.\n\n"
            "2. Ministers agreed to:\n(a) meet again;\n(b) review the plan.\n\n"
            "Annex heading\n\n"
            "3. Ministers thanked Indonesia.\n")
    paragraphs = split_paragraphs(text)
    _assert_well_formed(text, paragraphs)
    assert [p.n for p in paragraphs] == [0, 1, 2, 3]
    two = paragraphs[2]
    assert text[two.start:two.end].endswith("(b) review the plan.\n\nAnnex heading")
    assert paragraph_at(paragraphs, text.index("review the plan")).n == 2


def test_a_restarting_list_is_not_paragraph_numbering():
    text = "Agenda\n1. One item.\n2. Two items.\n3. Three items.\n1. One item again.\nClosing words here."
    numbers = [p.n for p in split_paragraphs(text)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_pdf_paragraphs_keep_their_page(tmp_path: Path):
    doc = read_one(make_pdf(tmp_path / "2016-03-23-statement.pdf", STATEMENT_PAGES), tmp_path)
    paragraphs = split_paragraphs(doc.text, doc.page_starts)
    _assert_well_formed(doc.text, paragraphs)
    for p in paragraphs:
        assert p.page == doc.page_at(p.start)
    annex = next(p for p in paragraphs if doc.text[p.start:p.end].startswith("Annex A"))
    assert annex.page == 3


def test_docx_list_items_join_their_paragraph(tmp_path: Path):
    doc = read_one(make_docx(tmp_path / "2022-05-05-statement.docx"), tmp_path)
    texts = _texts(doc)
    _assert_well_formed(doc.text, split_paragraphs(doc.text))
    opening = next(t for t in texts if "Officials met in Jakarta" in t)
    assert "first point" in opening and "second point" in opening


def test_html_paragraphs(tmp_path: Path):
    path = tmp_path / "2020-01-01-note.html"
    path.write_text("<html><head><title>Note</title></head><body><h1>Note</h1><p>First paragraph here.</p>"
                    "<ul><li>an item</li><li>another item</li></ul><p>Second paragraph here.</p></body></html>")
    doc = read_one(path, tmp_path)
    texts = _texts(doc)
    _assert_well_formed(doc.text, split_paragraphs(doc.text))
    assert sum("paragraph here." in t for t in texts) == 2
    assert any("First paragraph here." in t and "another item" in t for t in texts)


@pytest.fixture(scope="module")
def seed_app(seed_client):
    return seed_client


def test_every_citation_names_the_paragraph_holding_its_start(seed_app):
    for q in ("PSHTA", "victim protection", "Who co-chaired the meeting?", "online scams"):
        body = seed_app.get("/api/ask", params={"q": q, "k": 10}).json()
        citations = [r["citation"] for r in body["passages"]]
        if body["answer"]:
            citations.append(body["answer"]["citation"])
        for c in citations:
            paragraphs = {p["n"]: p for p in seed_app.get(f"/api/documents/{c['doc_id']}").json()["paragraphs"]}
            first, last = c["paragraphs"]
            assert c["paragraph"] == first <= last
            assert paragraphs[first]["start"] <= c["start"] < paragraphs[first]["end"]
            assert paragraphs[last]["start"] < c["end"] <= paragraphs[last]["end"]


def test_a_generation_built_before_paragraphs_were_stored_makes_them_from_its_text(tmp_path: Path):
    import sqlite3

    from indexer.generation import open_current

    shutil.copytree(SEED_CORPUS, tmp_path / "corpus")
    build(tmp_path / "corpus", tmp_path / "index")
    generation = open_current(tmp_path / "index")
    doc_id = generation.documents()[0].doc_id
    stored = generation.paragraphs(doc_id)
    db = sqlite3.connect(generation.path / "index.sqlite")
    db.execute("DROP TABLE paragraphs")
    db.commit()
    db.close()
    generation.close()
    older = open_current(tmp_path / "index")
    assert older.paragraphs(doc_id) == stored and stored
