"""Documents are untrusted input: markup, event handlers and javascript: links in statement
text, titles and ids (of every readable format) reach the search page, the embed page and
the document page only as text; and every page carries the security headers, /embed staying
frameable even when it shows an error. (test_pages.py covers a <script> in a .txt on the
search and document pages.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from .apptools import app_client, build, without_own_scripts

# One marker word per document, so a search can bring each one up.
TXT = """Statement on the Quixotic Harbour talks

Members met at <script>alert('txt')</script> Quixotic Harbour. <img src=x onerror=alert('txt')>
See <a href="javascript:alert('txt')">the annex</a> and javascript:alert('txt') for details.
"""
MARKDOWN = """# Report on the Quixotic Lagoon workshop

Members discussed [the annex](javascript:alert('md')) at the Quixotic Lagoon workshop.
<script>alert('md')</script> <img src=x onerror="alert('md')"> <iframe src="javascript:alert('md')"></iframe>
![chart](javascript:alert('md'))
"""
HTML = """<html><head><title>Briefing on the Quixotic Reef <script>alert('html')</script></title>
<script>alert('html-head')</script></head>
<body onload="alert('html')"><h1>Briefing on the Quixotic Reef</h1>
<p>Officials reviewed the Quixotic Reef <a href="javascript:alert('html')" onclick="alert('html')">plan</a>.</p>
<p>&lt;script&gt;alert('escaped-html')&lt;/script&gt; was quoted in the minutes about the Quixotic Reef.</p>
<img src="x" onerror="alert('html')"><svg onload="alert('html')"></svg>
</body></html>
"""
# A .jsonl line may choose its own id and title.
JSONL = {
    "id": "javascript:alert('id')",
    "title": "<script>alert('title')</script> Quixotic Atoll notes",
    "text": "Notes from the Quixotic Atoll meeting. <img src=x onerror=alert('jsonl')> "
            "[x](javascript:alert('jsonl')) \"><script>alert('jsonl')</script>",
}
METADATA = {"2024-01-01-txt.txt": {"title": "\"><script>alert('meta')</script> Quixotic Harbour", "date": "2024-01-01"}}
QUERIES = ["Quixotic Harbour", "Quixotic Lagoon", "Quixotic Reef", "Quixotic Atoll", "script alert onerror javascript"]
# Tags no page of ours ever uses: one in a page means a document's markup got through.
FORBIDDEN_TAGS = {"script", "img", "iframe", "svg", "object", "embed", "base", "frame", "frameset", "math"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class Markup(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def assert_inert(page: str) -> None:
    """No tag, event handler or javascript: URL in `page` that a document could have put there."""
    for tag, attrs in Markup(without_own_scripts(page)).tags:
        assert tag not in FORBIDDEN_TAGS, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in URL_ATTRIBUTES:
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("untrusted")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "2024-01-01-txt.txt").write_text(TXT, encoding="utf-8")
    (corpus / "2024-01-02-markdown.md").write_text(MARKDOWN, encoding="utf-8")
    (corpus / "2024-01-03-briefing.html").write_text(HTML, encoding="utf-8")
    (corpus / "2024-01-04-notes.jsonl").write_text(json.dumps(JSONL) + "\n", encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps(METADATA), encoding="utf-8")
    report = build(corpus, root / "index")
    assert not report.skipped and report.documents == 4, report
    with app_client(corpus, root / "index") as client:
        yield client


@pytest.fixture(scope="module")
def documents(site) -> list[dict]:
    return site.get("/api/documents").json()["documents"]


def test_every_format_was_indexed_with_its_hostile_text(site, documents):
    titles = " ".join(d["title"] for d in documents)
    assert "<script>" in titles  # kept verbatim in the data: escaping is the page's job
    # A .jsonl id is made into a slug, so no document id can carry markup or a scheme.
    assert all(re.fullmatch(r"[\w.-]+", d["doc_id"]) for d in documents), [d["doc_id"] for d in documents]


@pytest.mark.parametrize("path", ["/", "/embed"])
@pytest.mark.parametrize("q", QUERIES)
def test_search_and_embed_pages_show_documents_as_text(site, path, q):
    response = site.get(path, params={"q": q})
    assert response.status_code == 200
    assert 'class="hit"' in response.text  # the hostile documents really are on the page
    assert_inert(response.text)


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_document_list_in_the_search_form_is_text(site, documents, path):
    response = site.get(path)
    assert "&lt;script&gt;alert(&#39;meta&#39;)" in response.text or "&lt;script&gt;alert('meta')" in response.text
    assert_inert(response.text)


def test_document_pages_show_text_not_markup(site, documents):
    for document in documents:
        url = "/documents/" + quote(document["doc_id"], safe="")
        for params in ({}, {"chunk": f"{document['doc_id']}:0"}):
            response = site.get(url, params=params)
            assert response.status_code == 200, (url, response.text[:300])
            assert_inert(response.text)
    txt = site.get("/documents/2024-01-01-txt").text
    assert "&lt;img src=x onerror=alert(" in txt and "javascript:alert(" in txt  # there, as words


def test_every_link_on_a_results_page_stays_on_this_site(site):
    for q in QUERIES:
        page = site.get("/", params={"q": q}).text
        hrefs = [a.get("href", "") for t, a in Markup(page).tags if t in ("a", "link")]
        assert hrefs and all(h.startswith(("/", "#")) and not h.startswith("//") for h in hrefs), hrefs


PAGES = ["/", "/?q=Quixotic", "/documents/2024-01-01-txt", "/docs", "/nope", "/?q=x&date_from=soon",
         "/documents/no-such-doc"]
EMBED_PAGES = ["/embed", "/embed?q=Quixotic", "/embed?q=x&date_from=soon", "/embed?q=x&doc=no-such-doc"]


@pytest.mark.parametrize("path", PAGES + EMBED_PAGES)
def test_every_page_has_the_security_headers(site, path):
    response = site.get(path)
    assert response.headers["content-type"].startswith("text/html")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    if path.startswith("/embed"):  # made to be framed by other sites, error pages included
        assert "frame-ancestors *" in csp and "x-frame-options" not in headers
    else:
        assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"


def test_an_unavailable_index_page_has_the_security_headers(tmp_path):
    with app_client(tmp_path / "corpus", tmp_path / "index") as client:
        for path, frameable in (("/?q=x", False), ("/embed?q=x", True)):
            response = client.get(path)
            assert response.status_code == 503
            assert response.headers["x-content-type-options"] == "nosniff"
            assert ("frame-ancestors *" in response.headers["content-security-policy"]) is frameable
