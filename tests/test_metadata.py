"""corpus/metadata.json, document ids, and title/date/kind inference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from indexer.errors import UnreadableDocument
from indexer.metadata import (
    date_from_filename,
    describe,
    doc_id_for,
    find_date,
    is_meaningful_title,
    kind_from_filename,
    load_metadata,
    parse_date,
    title_from_filename,
    title_from_first_line,
)
from indexer.models import KINDS

SEED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
URL_SAFE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


def write_metadata(root: Path, content) -> Path:
    path = root / "metadata.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


# --- load_metadata ---------------------------------------------------------------------------


def test_missing_metadata_file_means_no_metadata(tmp_path):
    assert load_metadata(tmp_path) == {}


def test_seed_metadata_covers_every_seed_document():
    metadata = load_metadata(SEED_CORPUS)
    files = {p.name for p in SEED_CORPUS.iterdir() if p.name != "metadata.json"}
    assert set(metadata) == files
    for entry in metadata.values():
        assert entry["kind"] in KINDS
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["date"])
    bangladesh = metadata["2024-03-18-bali-process-co-chairs-meet-bangladesh.txt"]
    assert bangladesh["publisher"].startswith("Center for Bangladesh")


def test_metadata_keys_are_normalised_to_forward_slashes(tmp_path):
    write_metadata(tmp_path, {".\\sub\\a.txt": {"title": "A"}, "./b.md": {"kind": "report"}})
    assert load_metadata(tmp_path) == {"sub/a.txt": {"title": "A"}, "b.md": {"kind": "report"}}


def test_metadata_with_a_bom_is_read(tmp_path):
    (tmp_path / "metadata.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"a.txt": {"title": "A"}}).encode())
    assert load_metadata(tmp_path) == {"a.txt": {"title": "A"}}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"a.txt": {"title": "A"},}', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_untrustworthy_metadata_is_refused_with_a_reason(tmp_path, content, reason):
    path = write_metadata(tmp_path, content)
    with pytest.raises(UnreadableDocument) as info:
        load_metadata(tmp_path)
    assert info.value.path == str(path)
    assert reason in info.value.reason
    assert "\n" not in info.value.reason


@pytest.mark.parametrize(
    ("entry", "kept", "reason"),
    [
        ("Title", None, "entry 'a.txt' ignored: expected an object"),
        ({"title": "A", "date": "18/03/2024"}, {"title": "A"}, "date must be YYYY-MM-DD"),
        ({"title": "A", "date": "2024-02-30"}, {"title": "A"}, "date must be YYYY-MM-DD"),
        ({"title": "A", "kind": "memo"}, {"title": "A"}, "kind must be one of"),
        ({"title": "", "date": "2024-03-18"}, {"date": "2024-03-18"}, "title must be a non-empty string"),
        ({"title": "A", "kind": ["news"]}, {"title": "A"}, "kind must be one of"),
    ],
)
def test_a_field_we_cannot_trust_is_dropped_with_its_reason_and_the_rest_kept(tmp_path, entry, kept, reason):
    write_metadata(tmp_path, {"a.txt": entry, "b.txt": {"title": "B", "kind": "report"}})
    warnings = []
    metadata = load_metadata(tmp_path, warn=warnings.append)
    assert metadata.get("a.txt") == kept and metadata["b.txt"] == {"title": "B", "kind": "report"}
    assert len(warnings) == 1 and reason in warnings[0] and "'a.txt'" in warnings[0]


def test_kinds_statements_come_in_are_filed_under_ours(tmp_path):
    write_metadata(tmp_path, {"a.txt": {"kind": "news"}, "b.txt": {"kind": "Speech"}, "c.txt": {"kind": "Media  Release"}})
    warnings = []
    assert {k: v["kind"] for k, v in load_metadata(tmp_path, warn=warnings.append).items()} == {
        "a.txt": "article", "b.txt": "statement", "c.txt": "article"}
    assert warnings == []


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "external_id", "expected"),
    [
        ("2016-03-22-statement.txt", None, "2016-03-22-statement"),
        ("Reports/Annual Report 2024.PDF", None, "reports--annual-report-2024"),
        ("a/b/c.md", None, "a--b--c"),
        ("Co-Chairs’ Statement (final).docx", None, "co-chairs-statement-final"),
        ("corpus.jsonl", "4983", "corpus.4983"),
        ("bench/scifact/corpus.jsonl", "Doc 12/a?b#c", "bench--scifact--corpus.doc-12-a-b-c"),
        ("export.v2.jsonl", "x", "export-v2.x"),
    ],
)
def test_doc_ids_are_readable_slugs(relpath, external_id, expected):
    assert doc_id_for(relpath, external_id) == expected


@pytest.mark.parametrize(
    ("relpath", "external_id"),
    [("статья.txt", None), ("???.md", None), ("corpus.jsonl", "идентификатор"), ("a.jsonl", "//")],
)
def test_doc_ids_without_sluggable_characters_are_still_url_safe_and_stable(relpath, external_id):
    doc_id = doc_id_for(relpath, external_id)
    assert URL_SAFE.match(doc_id)
    assert doc_id == doc_id_for(relpath, external_id)
    assert doc_id != doc_id_for("other" + relpath, external_id)


def test_doc_ids_never_contain_url_delimiters():
    for relpath in ["a b/c?d#e.txt", "x/../y.md", "%20.html", "under_score.txt"]:
        doc_id = doc_id_for(relpath)
        assert URL_SAFE.match(doc_id), doc_id
        assert not set(doc_id) & set("/?# %_")


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hosted the sixth Senior Officials Meeting in Bali on 22 March 2016.", "2016-03-22"),
        ("at the Ministry of Foreign Affairs on March 18, 2024. Senior officials", "2024-03-18"),
        ("and side events 7, 8 and 9 November 2023", "2023-11-09"),
        ("Published 2023-11-09 in Bangkok", "2023-11-09"),
        ("Regional Support Office\n27 September 2013\nObjectives", "2013-09-27"),
        ("on the 18th of March 2024", "2024-03-18"),
        ("on Sept. 5, 2019", "2019-09-05"),
        ("on 31 February 2020, then on 1 March 2020", "2020-03-01"),
        ("Member States came together over 20-21 August to discuss", None),
        ("the 2024-2026 workplan and activities 2003-2012", None),
        ("no date here", None),
    ],
)
def test_find_date_takes_the_first_full_date(text, expected):
    assert find_date(text) == expected


def test_find_date_looks_only_at_the_opening():
    text = "x" * 900 + " 22 March 2016"
    assert find_date(text) is None
    assert find_date(text, limit=1000) == "2016-03-22"


def test_find_date_prefers_the_earliest_of_different_formats():
    assert find_date("On March 18, 2024 we recalled 22 March 2016") == "2024-03-18"
    assert find_date("On 22 March 2016 we foresaw March 18, 2024") == "2016-03-22"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-09T08:00:00+07:00", "2023-11-09"),
        ("2024/03/18", "2024-03-18"),
        ("18 March 2024", "2024-03-18"),
        ("2024-13-01", None),
        ("soon", None),
    ],
)
def test_parse_date_reads_metadata_values(value, expected):
    assert parse_date(value) == expected


# --- file names ------------------------------------------------------------------------------


def test_file_name_gives_date_title_and_kind():
    name = "2024-03-18-bali-process_co-chairs-statement.txt"
    assert date_from_filename(name) == "2024-03-18"
    assert title_from_filename(name) == "Bali process co chairs statement"
    assert kind_from_filename(name) == "statement"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("ctip-slides.txt", "slides"),
        ("annual_report.pdf", "report"),
        ("news-article.html", "article"),
        ("Statement.docx", "statement"),
        ("meeting-notes.txt", None),
        ("reporting-guide.txt", None),
    ],
)
def test_kind_from_file_name_words(name, kind):
    assert kind_from_filename(name) == kind


def test_file_name_without_date_or_words():
    assert date_from_filename("2024-02-30-x.txt") is None
    assert date_from_filename("notes-2024-03-18.txt") is None
    assert title_from_filename("2024-03-18.txt") == "2024-03-18"
    assert title_from_filename("plain.md") == "Plain"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Bali Process Engagement: Uniting Against Human Trafficking\n\nThe Bali Process ...", "Bali Process Engagement: Uniting Against Human Trafficking"),
        ("\n\n  Short title  \nbody", "Short title"),
        ("The Co-Chairs hosted the meeting in Bali on 22 March 2016.\nMore.", None),
        ("x" * 200 + "\nbody", None),
        ("2016\nbody", None),
    ],
)
def test_title_from_first_line(text, title):
    assert title_from_first_line(text) == title


@pytest.mark.parametrize(
    ("title", "meaningful"),
    [
        ("Sixth Ministerial Conference Statement", True),
        ("Microsoft Word - statement final.docx", False),
        ("statement_final.pdf", False),
        ("Untitled", False),
        ("  ", False),
        (None, False),
        ("123", False),
    ],
)
def test_placeholder_titles_are_not_meaningful(title, meaningful):
    assert is_meaningful_title(title) is meaningful


# --- precedence ------------------------------------------------------------------------------


def test_metadata_beats_document_beats_file_name():
    name = "2020-01-02-annual-report.txt"
    entry = {"title": "Meta Title", "date": "2021-05-06", "kind": "statement", "publisher": "RSO"}
    full = describe(name, entry, "Doc Title", "2019-09-09")
    assert (full.title, full.date, full.kind, full.extra) == ("Meta Title", "2021-05-06", "statement", {"publisher": "RSO"})
    from_doc = describe(name, {}, "Doc  Title", "2019-09-09")
    assert (from_doc.title, from_doc.date, from_doc.kind) == ("Doc Title", "2019-09-09", "report")
    from_name = describe(name, {}, None, None)
    assert (from_name.title, from_name.date, from_name.kind) == ("Annual report", "2020-01-02", "report")
    nothing = describe("sub/notes.txt", {}, None, None)
    assert (nothing.title, nothing.date, nothing.kind) == ("Notes", None, "document")
