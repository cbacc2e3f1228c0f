"""/api/cite: a ready citation in four formats, shorter (never "None") when metadata is missing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from indexer.models import Document
from search_app.citations import as_text, citation_record, render_citation

from .apptools import assert_error

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def client(seed_client):
    return seed_client


def test_full_metadata_gives_publisher_title_place_date_paragraph_link_and_access_date():
    doc = Document("d1", "d1.txt", "Co-Chairs' Statement", "The Ministers met in Bali.", date="2016-03-22",
                   kind="statement", extra={"publisher": "Bali Process", "place": "Bali, Indonesia"})
    text = as_text(citation_record(doc, 4, "http://example.org/", TODAY))
    assert text == ("Bali Process, Co-Chairs' Statement (Bali, Indonesia, 22 March 2016), para. 4, "
                    "<http://example.org/documents/d1#p4> (accessed 2 December 2026).")


def test_missing_metadata_gives_a_shorter_citation_never_none():
    doc = Document("d2", "d2.txt", "A note", "Nothing about places here.")
    record = citation_record(doc, None, "http://example.org", TODAY)
    for fmt in ("text", "bibtex", "ris", "csl-json"):
        out = render_citation(record, fmt)
        assert "None" not in out and "null" not in out and "undefined" not in out, fmt
    assert as_text(record) == "A note, <http://example.org/documents/d2> (accessed 2 December 2026)."


def test_the_place_comes_from_the_text_where_it_says_so():
    doc = Document("d3", "d3.txt", "Workshop", "Delegates met in Bangkok, Thailand on 20 August.", date="2024-08-21")
    assert citation_record(doc, 1, "http://x", TODAY).place == "Bangkok, Thailand"


def test_cite_a_search_result_in_every_format(client):
    hit = client.get("/api/search", params={"q": "Walk Free Foundation"}).json()["results"][0]
    paragraph = hit["citation"]["paragraph"]
    text = client.get("/api/cite", params={"chunk": hit["chunk_id"]})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert f"para. {paragraph}," in text.text and f"#p{paragraph}>" in text.text and hit["citation"]["title"] in text.text
    bibtex = client.get("/api/cite", params={"chunk": hit["chunk_id"], "format": "bibtex"}).text
    assert bibtex.startswith("@misc{") and "urldate" in bibtex and bibtex.count("{") == bibtex.count("}")
    ris = client.get("/api/cite", params={"chunk": hit["chunk_id"], "format": "ris"}).text.splitlines()
    assert ris[0].startswith("TY  - ") and ris[-1].startswith("ER  -")
    csl = json.loads(client.get("/api/cite", params={"chunk": hit["chunk_id"], "format": "csl-json"}).text)
    assert csl[0]["title"] == hit["citation"]["title"] and csl[0]["locator"] == str(paragraph)


def test_cite_a_paragraph_by_document_and_number(client):
    doc_id = "2024-03-18-bali-process-co-chairs-meet-bangladesh"
    text = client.get("/api/cite", params={"doc": doc_id, "paragraph": 3}).text
    assert text.startswith("Center for Bangladesh and Global Affairs (CBGA), Bali Process Engagement")
    assert "(18 March 2024), para. 3," in text


@pytest.mark.parametrize(("params", "status", "parameter"), [
    ({}, 422, "chunk"), ({"chunk": "nope"}, 404, "chunk"), ({"doc": "missing"}, 404, "doc"),
    ({"doc": "2024-03-18-bali-process-co-chairs-meet-bangladesh", "paragraph": 999}, 404, "paragraph"),
    ({"doc": "2024-03-18-bali-process-co-chairs-meet-bangladesh", "paragraph": "two"}, 422, "paragraph"),
    ({"doc": "2024-03-18-bali-process-co-chairs-meet-bangladesh", "format": "mla"}, 422, "format"),
])
def test_bad_cite_requests_name_the_parameter(client, params, status, parameter):
    assert_error(client.get("/api/cite", params=params), status, parameter)


def test_line_breaks_in_metadata_cannot_add_records_or_fields():
    doc = Document("d4", "d4.txt", "A title\nTY  - JOUR", "Text.", date="2020-01-02", kind="statement",
                   extra={"publisher": "Body\r\nER  - \n", "place": "Bangkok,\n Thailand"})
    record = citation_record(doc, 2, "http://x", TODAY)
    assert (record.title, record.publisher, record.place) == ("A title TY - JOUR", "Body ER -", "Bangkok, Thailand")
    ris = render_citation(record, "ris")
    assert [line[:2] for line in ris.splitlines()].count("TY") == 1 and ris.count("ER  -") == 1
    bib = render_citation(record, "bibtex")
    assert all(line.startswith(("@misc", "  ", "}")) for line in bib.splitlines())


def test_bibtex_escapes_every_character_latex_treats_specially():
    doc = Document("d5", "d5.txt", r"50% of A_B & {C} #1 $2 back\slash ~tilde ^caret", "Text.")
    title_line = next(line for line in render_citation(citation_record(doc, None, "http://x", TODAY), "bibtex").splitlines()
                      if line.startswith("  title"))
    assert title_line == (r"  title = {{50\% of A\_B \& \{C\} \#1 \$2 back\textbackslash{}slash "
                          r"\textasciitilde{}tilde \textasciicircum{}caret}},")
