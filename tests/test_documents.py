"""Reading corpus files of every format into Documents, and refusing bad ones with a reason."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfWriter

from indexer.documents import (
    MAX_FILE_BYTES,
    MAX_JSONL_BYTES,
    SUPPORTED_SUFFIXES,
    doc_id_for,
    load_metadata,
    read_documents,
)
from indexer.errors import UnreadableDocument
from indexer.models import Document

SEED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SCIFACT = Path("/work/shared/benchmarks/scifact/corpus.jsonl")
HEADER = "Bali Process Co-Chairs' Statement"


def read_one(path: Path, root: Path, metadata=None, warnings: list[str] | None = None) -> Document:
    docs = read_documents(path, root, metadata, warn=None if warnings is None else warnings.append)
    assert len(docs) == 1
    return docs[0]


def unreadable(path: Path, root: Path | None = None) -> str:
    with pytest.raises(UnreadableDocument) as info:
        read_documents(path, root or path.parent)
    reason = info.value.reason
    assert reason and "\n" not in reason
    assert info.value.path == str(path)
    return reason


def assert_offsets(doc: Document) -> None:
    for section in doc.sections:
        assert doc.text[section.start :].startswith(section.title), section
    assert list(doc.page_starts) == sorted(doc.page_starts)
    assert all(0 <= s <= len(doc.text) for s in doc.page_starts)


# --- builders for binary formats -------------------------------------------------------------


class _StatementPdf(FPDF):
    def header(self):
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, HEADER, new_x="LMARGIN", new_y="NEXT")

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 10, f"Page {self.page_no()}", align="C")


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, running: bool = True) -> Path:
    pdf = _StatementPdf() if running else FPDF()
    if title:
        pdf.set_title(title)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


STATEMENT_PAGES = [
    [
        "Co-Chairs' Statement",
        "The Ministers met in Bali on 23 March 2016 for the Sixth Ministerial Conference.",
        "Ministers agreed that the regional response to irregular migration should be strengthened through closer cooperation and",
    ],
    ["shared responsibility among members. They welcomed the Bali Declaration.", "The Way Forward", "Members will meet again in 2018."],
    ["Annex A lists the participants of the conference."],
]


def make_docx(path: Path, core_title: str | None = None, title_style: bool = True) -> Path:
    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    if title_style:
        document.add_paragraph("Statement of the Co-Chairs", style="Title")
    document.add_heading("Introduction", level=1)
    document.add_paragraph("Officials met in Jakarta on 5 May 2022 to review the work plan.")
    document.add_paragraph("first point", style="List Bullet")
    document.add_paragraph("second point", style="List Bullet")
    document.add_paragraph("step one", style="List Number")
    document.add_paragraph("step two", style="List Number")
    document.add_heading("Members", level=2)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("Country", "Role", "Since"), ("Australia", "Co-Chair", "2002"), ("Indonesia", "Co-Chair", "")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Closing remarks.")
    document.save(str(path))
    return path


# --- dispatch --------------------------------------------------------------------------------


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".jsonl"})


@pytest.mark.parametrize("name", ["notes.xyz", "deck.pptx", "README"])
def test_unsupported_file_types_are_named(tmp_path, name):
    path = tmp_path / name
    path.write_text("some text")
    reason = unreadable(path)
    assert reason.startswith("unsupported file type")
    assert ".txt" in reason and ".pdf" in reason
    if "." in name:
        assert f"'{Path(name).suffix}'" in reason


def test_suffix_is_case_insensitive(tmp_path):
    path = tmp_path / "NOTES.TXT"
    path.write_text("Hello there.\n")
    assert read_one(path, tmp_path).text == "Hello there."


def test_source_is_the_relative_path_with_forward_slashes(tmp_path):
    folder = tmp_path / "2016" / "Ministerial"
    folder.mkdir(parents=True)
    path = folder / "Co-Chairs Statement.txt"
    path.write_text("The Meeting agreed.\n")
    doc = read_one(path, tmp_path)
    assert doc.source == "2016/Ministerial/Co-Chairs Statement.txt"
    assert doc.doc_id == "2016--ministerial--co-chairs-statement" == doc_id_for(doc.source)


def test_all_seed_documents_read_with_their_metadata():
    metadata = load_metadata(SEED_CORPUS)
    for path in sorted(SEED_CORPUS.iterdir()):
        if path.suffix not in SUPPORTED_SUFFIXES:
            continue
        doc = read_one(path, SEED_CORPUS, metadata)
        entry = metadata[path.name]
        assert (doc.title, doc.date, doc.kind) == (entry["title"], entry["date"], entry["kind"])
        assert doc.source == path.name
        assert_offsets(doc)
    bangladesh = read_one(SEED_CORPUS / "2024-03-18-bali-process-co-chairs-meet-bangladesh.txt", SEED_CORPUS, metadata)
    assert bangladesh.extra["publisher"] == "Center for Bangladesh and Global Affairs (CBGA)"


def test_seed_documents_without_metadata_describe_themselves():
    described = {p.name: read_one(p, SEED_CORPUS) for p in SEED_CORPUS.iterdir() if p.suffix in SUPPORTED_SUFFIXES}
    slides = described["2013-09-27-ctip-regional-support-office-slides.txt"]
    assert slides.title == "Combatting Trafficking in Persons (CTiP) – The Bali Process Regional Support Office"
    assert (slides.date, slides.kind) == ("2013-09-27", "slides")
    article = described["2024-03-18-bali-process-co-chairs-meet-bangladesh.txt"]
    assert article.title == "Bali Process Engagement: Uniting Against Human Trafficking"
    assert article.date == "2024-03-18"  # "March 18, 2024" in the text
    som = described["2016-03-22-sixth-senior-officials-meeting-co-chairs-statement.txt"]
    assert som.title == "Sixth senior officials meeting co chairs statement"  # first line is a sentence
    assert (som.date, som.kind) == ("2016-03-22", "statement")
    wg = described["2023-11-09-wg-trafficking-ninth-annual-meeting-co-chairs-statement.md"]
    assert (wg.title, wg.date) == ("The Bali Process", "2023-11-09")  # first heading; "7, 8 and 9 November 2023"
    rso = described["2024-08-21-rso-iom-legal-frameworks-consultation.txt"]
    assert rso.date == "2024-08-21"  # "20-21 August" has no year: the file name's date


# --- precedence ------------------------------------------------------------------------------


def test_title_date_kind_precedence(tmp_path):
    path = tmp_path / "2020-01-02-annual-report.txt"
    path.write_text("Regional Cooperation Update\n\nThe Members met on 22 March 2016 and agreed.\n")
    from_document = read_one(path, tmp_path)
    assert (from_document.title, from_document.date, from_document.kind) == ("Regional Cooperation Update", "2016-03-22", "report")
    metadata = {path.name: {"title": "Official Title", "date": "2016-03-23", "kind": "statement", "url": "https://x"}}
    from_metadata = read_one(path, tmp_path, metadata)
    assert (from_metadata.title, from_metadata.date, from_metadata.kind) == ("Official Title", "2016-03-23", "statement")
    assert from_metadata.extra == {"url": "https://x"}
    partial = read_one(path, tmp_path, {path.name: {"kind": "article"}})
    assert (partial.title, partial.date, partial.kind) == ("Regional Cooperation Update", "2016-03-22", "article")
    bare = tmp_path / "2020-01-02-notes.txt"
    bare.write_text("The Members met and agreed on many things without naming a date.\n")
    from_name = read_one(bare, tmp_path)
    assert (from_name.title, from_name.date, from_name.kind) == ("Notes", "2020-01-02", "document")


# --- plain text and encodings ----------------------------------------------------------------


def test_txt_reader_cleans_and_finds_title_and_sections(tmp_path):
    path = tmp_path / "statement.txt"
    path.write_text(
        "Co-Chairs' Statement\r\n\r\nThe Meeting welcomed the establishment of the Working Group on\r\n"
        "Trafficking in Persons.\r\nThe way forward\r\nMembers agreed to meet again.\r\n",
        encoding="utf-8",
    )
    doc = read_one(path, tmp_path)
    assert doc.title == "Co-Chairs' Statement"
    assert "Working Group on Trafficking in Persons." in doc.text
    assert [s.title for s in doc.sections] == ["Co-Chairs' Statement", "The way forward"]
    assert doc.page_starts == ()
    assert doc.extra == {}
    assert_offsets(doc)


SAMPLE = "Co-Chairs\u2019 \u201cstatement\u201d on the \u20ac5 million fund \u2014 na\u00efve caf\u00e9.\n\nMembers agreed.\n"


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda s: s.encode("cp1252"), "cp1252"),
        (lambda s: s.encode("utf-16"), "utf-16"),
        (lambda s: s.encode("utf-16-le"), "utf-16"),  # no BOM
        (lambda s: s.encode("utf-16-be"), "utf-16"),
        (lambda s: s.encode("utf-32"), "utf-32"),
        (lambda s: s.encode("utf-8-sig"), None),
        (lambda s: s.encode("utf-8"), None),
    ],
)
def test_encodings_are_decoded_without_losing_characters(tmp_path, encode, encoding):
    path = tmp_path / "encoded.txt"
    path.write_bytes(encode(SAMPLE))
    doc = read_one(path, tmp_path)
    assert doc.text == SAMPLE.strip()
    assert doc.extra.get("encoding") == encoding


def test_latin1_text(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("R\u00e9union \u00e0 Gen\u00e8ve: M\u00fcller \u00fcber Gr\u00f6\u00dfe.\n".encode("latin-1"))
    doc = read_one(path, tmp_path)
    assert doc.text == "R\u00e9union \u00e0 Gen\u00e8ve: M\u00fcller \u00fcber Gr\u00f6\u00dfe."
    assert doc.extra["encoding"] == "cp1252"  # the superset of latin-1 that browsers use too


def test_non_western_single_byte_text_is_detected(tmp_path):
    text = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0442\u0435\u0441\u0442\u043e\u0432\u044b\u0439 \u0442\u0435\u043a\u0441\u0442."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("cp1251"))
    doc = read_one(path, tmp_path)
    assert doc.text == text
    assert doc.extra["encoding"] == "cp1251"


def test_utf8_with_stray_cp1252_bytes_keeps_every_character(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("Caf\u00e9 d\u00e9j\u00e0 vu. ".encode("utf-8") + b"Smart \x93quote\x94 here.\n")
    doc = read_one(path, tmp_path)
    assert doc.text == "Caf\u00e9 d\u00e9j\u00e0 vu. Smart \u201cquote\u201d here."
    assert doc.extra["encoding"] == "utf-8+cp1252"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html", "a.pdf", "a.docx", "a.jsonl"])
def test_empty_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    assert unreadable(path) == "empty file"


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html", "a.pdf", "a.jsonl"])
def test_whitespace_only_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b" \n\n\t  \r\n")
    assert unreadable(path) == "empty file"


def test_whitespace_only_utf16_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("  \n \n".encode("utf-16"))
    assert unreadable(path) == "empty file"


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"PK\x03\x04" + bytes(range(256)) * 8,
        b"Some text\x00\x00\x00 with NUL bytes \x00\x01\x02 inside it",
        bytes(range(1, 32)) * 40,
    ],
    ids=["random", "zip-like", "nul-bytes", "control-chars"],
)
def test_binary_junk_is_not_text(tmp_path, data):
    path = tmp_path / "junk.txt"
    path.write_bytes(data)
    assert unreadable(path) == "binary content, not text"


def test_a_200kb_single_line_is_read(tmp_path):
    path = tmp_path / "long.txt"
    line = "The Members agreed to strengthen cooperation, " * 4500
    path.write_text(line.strip(), encoding="utf-8")
    assert path.stat().st_size > 200_000
    doc = read_one(path, tmp_path)
    assert doc.text == line.strip()
    assert doc.title == "Long"


@pytest.mark.parametrize(("name", "limit"), [("huge.txt", MAX_FILE_BYTES), ("huge.pdf", MAX_FILE_BYTES), ("huge.jsonl", MAX_JSONL_BYTES)])
def test_files_over_the_size_limit(tmp_path, name, limit):
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(limit + 1024 * 1024)  # sparse: instant, takes no disk space
    reason = unreadable(path)
    assert reason == f"file too large ({(limit + 1024 * 1024) // (1024 * 1024)} MB, limit {limit // (1024 * 1024)} MB)"


def test_size_limits():
    assert MAX_FILE_BYTES == 50 * 1024 * 1024
    assert MAX_JSONL_BYTES == 500 * 1024 * 1024


def test_missing_file_and_directory_give_os_reasons(tmp_path):
    assert "No such file" in unreadable(tmp_path / "gone.txt", tmp_path)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "directory" in unreadable(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_permissions(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("hidden")
    path.chmod(0)
    assert "Permission denied" in unreadable(path)


# --- markdown --------------------------------------------------------------------------------


MARKDOWN = """---
title: Front Matter Title
date: 2022-06-01
---

# Regional Meeting

The meeting was **opened** by the *Co-Chairs*, see [the agenda](https://example.org/agenda)
and `annex A`.

## Outcomes

- first outcome
- second outcome with a [link](x)
  - nested point

1. step one
2. step two

| Member | Role |
|---|---|
| Australia | Co-Chair |

> Quoted remark.

<div>Some <b>html</b> &amp; more</div>

![Map of the region](map.png)
"""


def test_markdown_becomes_plain_display_text(tmp_path):
    path = tmp_path / "meeting.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = read_one(path, tmp_path)
    for markup in ("#", "**", "*", "](", "`", "---", "title:", "<b>", "|---"):
        assert markup not in doc.text
    assert "The meeting was opened by the Co-Chairs, see the agenda and annex A." in doc.text
    assert "\n• first outcome\n• second outcome with a link\n  • nested point\n\n1. step one\n2. step two\n" in doc.text
    assert "Member | Role\nAustralia | Co-Chair" in doc.text
    assert "Quoted remark." in doc.text and "Some html & more" in doc.text and "Map of the region" in doc.text
    assert [(s.level, s.title) for s in doc.sections] == [(1, "Regional Meeting"), (2, "Outcomes")]
    assert (doc.title, doc.date) == ("Front Matter Title", "2022-06-01")
    assert_offsets(doc)


def test_markdown_title_is_the_first_heading(tmp_path):
    path = tmp_path / "2021-04-05-notes.markdown"
    path.write_text("Intro text.\n\n### Small Heading\n\nBody.\n", encoding="utf-8")
    doc = read_one(path, tmp_path)
    assert (doc.title, doc.date) == ("Small Heading", "2021-04-05")
    assert doc.sections[0].level == 3


def test_markdown_without_text_is_refused(tmp_path):
    path = tmp_path / "images.md"
    path.write_text("<!-- only a comment -->\n\n---\n", encoding="utf-8")
    assert unreadable(path) == "no text content"


# --- html ------------------------------------------------------------------------------------


PAGE = """<!doctype html><html><head>
<title>Co-Chairs' Statement | The Bali Process</title>
<meta property="og:title" content="Co-Chairs&#39; Statement">
<meta property="article:published_time" content="2023-11-09T08:00:00+07:00">
<style>p { color: red }</style><script>var tracking = "script text";</script>
</head><body>
<header><a href="/">Home</a><h1>Site Banner</h1></header>
<nav><a href="/about">About us</a></nav>
<div role="navigation">Skip to content</div>
<div role="banner">Banner role</div>
<main>
  <h1>Co-Chairs&#39; Statement</h1>
  <p>The   meeting was held in <a href="x">Bangkok</a>,<br>Thailand, on 9 November 2023.</p>
  <noscript>Enable JavaScript</noscript>
  <h2>Outcomes</h2>
  <ul><li>One <b>bold</b> outcome</li><li>Two<ul><li>Nested</li></ul></li></ul>
  <ol><li>First</li><li><p>Second</p></li></ol>
  <table><tr><th>Member</th><th>Role</th></tr><tr><td>Australia</td><td>Co-Chair</td></tr></table>
  <section><div><div><p>Deeply nested paragraph.</p></div></div></section>
  <pre>code   kept
  as is</pre>
  <aside>Related links</aside>
  <form><label>Search</label></form>
  <iframe src="x">frame</iframe><svg><text>svg text</text></svg>
  <template><p>template text</p></template>
</main>
<p>Outside main.</p>
<footer>Copyright</footer><div role="contentinfo">Contact</div>
</body></html>"""


def test_html_keeps_main_content_only(tmp_path):
    path = tmp_path / "statement.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = read_one(path, tmp_path)
    for junk in ("script text", "color: red", "Home", "Site Banner", "About us", "Skip to content", "Banner role",
                 "Enable JavaScript", "Related links", "Search", "frame", "svg text", "template text",
                 "Outside main", "Copyright", "Contact"):
        assert junk not in doc.text, junk
    assert doc.text.startswith("Co-Chairs' Statement\n\nThe meeting was held in Bangkok,\nThailand, on 9 November 2023.")
    assert "\n• One bold outcome\n• Two\n  • Nested\n\n1. First\n2. Second\n\nMember | Role\nAustralia | Co-Chair\n\nDeeply nested paragraph." in doc.text
    assert "code   kept\n  as is" in doc.text
    assert [(s.level, s.title) for s in doc.sections] == [(1, "Co-Chairs' Statement"), (2, "Outcomes")]
    assert (doc.title, doc.date) == ("Co-Chairs' Statement", "2023-11-09")
    assert_offsets(doc)


def test_html_prefers_article_then_body(tmp_path):
    article = tmp_path / "article.htm"
    article.write_text("<body><div>Menu junk</div><article><p>Article body.</p></article></body>")
    assert read_one(article, tmp_path).text == "Article body."
    body = tmp_path / "body.html"
    body.write_text("<html><body><p>First.</p><p>Second.</p>Loose text</body></html>")
    assert read_one(body, tmp_path).text == "First.\n\nSecond.\n\nLoose text"


def test_html_title_and_date_fallbacks(tmp_path):
    page = tmp_path / "2019-01-01-page.html"
    page.write_text('<html><head><title>  Plain   Title </title><meta name="DC.date" content="2020-02-03"></head><body><p>Text.</p></body></html>')
    assert (read_one(page, tmp_path).title, read_one(page, tmp_path).date) == ("Plain Title", "2020-02-03")
    h1 = tmp_path / "h1.html"
    h1.write_text('<body><h1>Heading Title</h1><p>Posted <time datetime="2021-07-08">last week</time>.</p></body>')
    doc = read_one(h1, tmp_path)
    assert (doc.title, doc.date) == ("Heading Title", "2021-07-08")


def test_html_declared_charset_is_honoured(tmp_path):
    path = tmp_path / "legacy.html"
    html = '<html><head><meta charset="windows-1252"></head><body><p>Caf\u00e9 \u201cquoted\u201d \u20ac</p></body></html>'
    path.write_bytes(html.encode("cp1252"))
    doc = read_one(path, tmp_path)
    assert doc.text == "Caf\u00e9 \u201cquoted\u201d \u20ac"
    assert doc.extra["encoding"] == "cp1252"


def test_html_without_content_is_refused(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>T</title><script>x()</script></head><body><nav>Menu</nav></body></html>")
    assert unreadable(path).startswith("no text content")


def test_deeply_nested_html_does_not_hit_the_recursion_limit(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<body>" + "<div>" * 3000 + "<p>Deep text.</p>" + "</div>" * 3000 + "</body>")
    assert read_one(path, tmp_path).text == "Deep text."


# --- pdf -------------------------------------------------------------------------------------


def test_pdf_pages_headers_footers_and_mending(tmp_path):
    path = make_pdf(tmp_path / "2016-03-23-ministerial-statement.pdf", STATEMENT_PAGES, title="Sixth Ministerial Conference")
    doc = read_one(path, tmp_path)
    assert doc.text.count(HEADER) == 1  # kept once, as the first page's letterhead
    assert doc.text.startswith(HEADER)
    assert "Page " not in doc.text
    assert "through closer cooperation and shared responsibility among members." in doc.text
    assert len(doc.page_starts) == 3 and doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith("shared responsibility among members.")
    assert doc.text[doc.page_starts[2] :].startswith("Annex A lists")
    assert doc.page_at(doc.text.index("closer cooperation")) == 1
    assert doc.page_at(doc.text.index("The Way Forward")) == 2
    assert doc.page_at(doc.text.index("Annex A")) == 3
    assert [s.title for s in doc.sections] == ["Co-Chairs' Statement", "The Way Forward"]
    assert (doc.title, doc.date, doc.kind) == ("Sixth Ministerial Conference", "2016-03-23", "statement")
    assert doc.extra["pages"] == 3
    assert_offsets(doc)


def test_pdf_title_falls_back_to_the_first_heading_line(tmp_path):
    path = make_pdf(tmp_path / "untitled.pdf", [["Regional Cooperation Framework", "The Members agreed."]], running=False)
    assert read_one(path, tmp_path).title == "Regional Cooperation Framework"
    junk = make_pdf(tmp_path / "junk-title.pdf", [["Regional Cooperation Framework", "Text."]], title="Microsoft Word - draft3.docx", running=False)
    assert read_one(junk, tmp_path).title == "Regional Cooperation Framework"


def test_pdf_sentence_ending_a_page_is_not_joined(tmp_path):
    path = make_pdf(tmp_path / "two.pdf", [["The first page ends with a full sentence."], ["The second page starts anew."]])
    doc = read_one(path, tmp_path)
    assert "full sentence.\n\nThe second page" in doc.text
    assert doc.text[doc.page_starts[1] :].startswith("The second page")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj garbage garbage", "not a readable PDF: "),
        (b"This is plain text saved with a .pdf name", "not a readable PDF: the file has no PDF header"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a readable PDF: the file has no PDF header"),
    ],
    ids=["corrupt", "text", "png"],
)
def test_bad_pdfs(tmp_path, data, reason):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    assert unreadable(path).startswith(reason)


def test_truncated_pdf(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", STATEMENT_PAGES)
    path = tmp_path / "truncated.pdf"
    path.write_bytes(good.read_bytes()[:300])
    assert unreadable(path).startswith("not a readable PDF")


def test_encrypted_pdfs(tmp_path):
    source = make_pdf(tmp_path / "plain.pdf", STATEMENT_PAGES)
    locked = tmp_path / "locked.pdf"
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(str(locked))
    assert unreadable(locked) == "not a readable PDF: encrypted, a password is required"
    open_for_reading = tmp_path / "restricted.pdf"
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    writer.write(str(open_for_reading))
    assert "shared responsibility" in read_one(open_for_reading, tmp_path).text


def test_pdf_without_text_is_a_scan(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    assert unreadable(path) == "no extractable text (scanned PDF? OCR is not supported)"


# --- docx ------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_lists_and_tables(tmp_path):
    path = make_docx(tmp_path / "statement.docx", core_title="Core Properties Title")
    doc = read_one(path, tmp_path)
    blocks = doc.text.split("\n\n")
    assert blocks[:3] == ["Statement of the Co-Chairs", "Introduction", "Officials met in Jakarta on 5 May 2022 to review the work plan."]
    assert blocks[3].split("\n") == ["• first point", "• second point", "1. step one", "2. step two"]
    assert blocks[4] == "Members"
    assert blocks[5].split("\n") == ["Country | Role | Since", "Australia | Co-Chair | 2002", "Indonesia | Co-Chair |"]
    assert blocks[6:] == ["Closing remarks."]
    assert [(s.level, s.title) for s in doc.sections] == [(1, "Statement of the Co-Chairs"), (1, "Introduction"), (2, "Members")]
    assert (doc.title, doc.date, doc.kind) == ("Statement of the Co-Chairs", "2022-05-05", "statement")
    assert_offsets(doc)


def test_docx_title_falls_back_to_core_properties_then_heading(tmp_path):
    core = make_docx(tmp_path / "a.docx", core_title="Core Properties Title", title_style=False)
    assert read_one(core, tmp_path).title == "Core Properties Title"
    heading = make_docx(tmp_path / "b.docx", title_style=False)
    assert read_one(heading, tmp_path).title == "Introduction"


def test_fake_docx_files(tmp_path):
    text = tmp_path / "text.docx"
    text.write_text("I am not a Word document")
    assert unreadable(text).startswith("not a valid .docx file: not a zip archive")
    other_zip = tmp_path / "other.docx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("content.txt", "hello")
    assert unreadable(other_zip) == "not a valid .docx file: the archive has no word/document.xml"
    broken = tmp_path / "broken.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not-xml")
    broken.write_bytes(buffer.getvalue())
    assert unreadable(broken).startswith("not a valid .docx file: ")


def test_docx_without_text(tmp_path):
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    assert unreadable(path) == "no text in the document"


# --- jsonl -----------------------------------------------------------------------------------


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_jsonl_reads_one_document_per_line(tmp_path):
    path = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"_id": "4983", "title": "Microstructural development", "text": "Alterations of the architecture.", "metadata": {}},
            {"id": 17, "title": "Second", "text": "Body two.", "date": "2024-03-18", "kind": "statement", "metadata": {"source": "x"}},
            {"id": "Doc/3", "text": "A text without a title that goes on for quite a while, longer than any title should be."},
        ],
    )
    docs = read_documents(path, tmp_path)
    assert [d.doc_id for d in docs] == ["corpus.4983", "corpus.17", "corpus.doc-3"]
    assert [d.external_id for d in docs] == ["4983", "17", "Doc/3"]
    assert all(d.source == "corpus.jsonl" for d in docs)
    first, second, third = docs
    assert (first.title, first.text, first.date, first.kind, first.extra) == (
        "Microstructural development", "Alterations of the architecture.", None, "document", {})
    assert (second.date, second.kind, second.extra) == ("2024-03-18", "statement", {"metadata": {"source": "x"}})
    assert third.title == "A text without a title that goes on for quite a while, longer than any title…"


def test_jsonl_file_metadata_gives_defaults(tmp_path):
    path = write_jsonl(tmp_path / "export.jsonl", [{"id": "a", "title": "A", "text": "x."}, {"id": "b", "title": "B", "text": "y.", "kind": "report"}])
    metadata = {"export.jsonl": {"kind": "statement", "date": "2020-01-01", "publisher": "RSO"}}
    a, b = read_documents(path, tmp_path, metadata)
    assert (a.kind, a.date, a.extra) == ("statement", "2020-01-01", {"publisher": "RSO"})
    assert b.kind == "report"


def test_jsonl_bad_lines_are_skipped_with_warnings(tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"_id": "1", "title": "Good", "text": "Good text."},
            "{not json",
            {"title": "No id", "text": "x"},
            {"_id": "2", "title": "No text"},
            {"_id": "3", "title": "Empty", "text": "  \n "},
            {"_id": "1", "title": "Duplicate", "text": "again"},
            "[1, 2]",
            {"_id": ["x"], "text": "bad id"},
            {"_id": "A.1", "text": "collides after slugging"},
            {"_id": "a-1", "text": "collides after slugging"},
            "",
            {"_id": "4", "text": "Kept, with a bad date and kind.", "date": "someday", "kind": "memo"},
        ],
    )
    warnings: list[str] = []
    docs = read_documents(path, tmp_path, warn=warnings.append)
    assert [d.external_id for d in docs] == ["1", "A.1", "4"]
    assert docs[2].date is None and docs[2].kind == "document"
    assert warnings[:8] == [
        "mixed.jsonl:2: invalid JSON (Expecting property name enclosed in double quotes at column 2)",
        "mixed.jsonl:3: missing id ('_id' or 'id')",
        "mixed.jsonl:4: missing text",
        "mixed.jsonl:5: empty text",
        "mixed.jsonl:6: duplicate id '1' (first on line 1)",
        "mixed.jsonl:7: expected a JSON object, got list",
        "mixed.jsonl:8: id must be a string or a number, got list",
        "mixed.jsonl:10: id 'a-1' gives the same document id as 'A.1' on line 9",
    ]
    assert warnings[8:] == [
        "mixed.jsonl:12: date 'someday' is not a date; ignored",
        "mixed.jsonl:12: kind 'memo' is not one of statement, report, article, slides, document; ignored",
    ]


def test_jsonl_without_usable_lines_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", ["{oops", {"title": "no id"}])
    reason = unreadable(path)
    assert reason.startswith("no usable lines (2 bad; line 1: invalid JSON")


def test_jsonl_invalid_utf8_line_is_skipped(tmp_path):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"_id": "1", "text": "ok"}\n{"_id": "2", "text": "caf\xe9"}\n')
    warnings: list[str] = []
    docs = read_documents(path, tmp_path, warn=warnings.append)
    assert [d.external_id for d in docs] == ["1"]
    assert warnings == ["bytes.jsonl:2: not valid UTF-8"]


def test_jsonl_warnings_are_capped(tmp_path):
    path = write_jsonl(tmp_path / "noisy.jsonl", [{"_id": "ok", "text": "fine"}] + ["{bad"] * 80)
    warnings: list[str] = []
    read_documents(path, tmp_path, warn=warnings.append)
    assert len(warnings) == 51
    assert warnings[-1] == "noisy.jsonl: 30 more bad lines skipped"


@pytest.mark.skipif(not SCIFACT.exists(), reason="SciFact benchmark not present")
def test_scifact_corpus_reads_quickly():
    started = time.perf_counter()
    warnings: list[str] = []
    docs = read_documents(SCIFACT, SCIFACT.parent, warn=warnings.append)
    elapsed = time.perf_counter() - started
    assert len(docs) == 5183
    assert elapsed < 2.0
    assert warnings == []
    assert docs[0].doc_id == "corpus.4983"
    assert docs[0].title.startswith("Microstructural development of human newborn cerebral white matter")
    assert len({d.doc_id for d in docs}) == len(docs)
