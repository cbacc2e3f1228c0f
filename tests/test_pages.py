"""The HTML pages: structure, escaping, highlighting, the document page's marked passage, the
embed page's headers, and that everything works as plain GET forms without JavaScript."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser

import pytest

from search_app.display import highlight, split_at

from .apptools import app_client, build, without_own_scripts
from .conftest import SEED_CORPUS

HOSTILE = "<script>alert('x')</script>"
HOSTILE_DOC = f"""A statement with hostile text

The Meeting discussed {HOSTILE} and <img src=x onerror=alert(1)> in the Zanzibar consultation. Members noted the Zanzibar outcome with interest and asked the secretariat to follow up.
"""


class Tags(HTMLParser):
    """Collects start tags with their attributes, and the text inside elements with an id."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    (corpus / "2022-01-05-hostile.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    build(corpus, root / "index")
    with app_client(corpus, root / "index") as client:
        yield client


def test_empty_search_page_has_one_labelled_get_form_and_no_script(site):
    response = site.get("/")
    assert response.status_code == 200
    tags = Tags(response.text)
    form = tags.find("form", role="search")
    assert len(form) == 1 and form[0]["method"] == "get" and form[0]["action"] == "/"
    assert tags.find("label", **{"for": "q"}) and tags.find("input", id="q", name="q")
    assert tags.find("select", id="doc", name="doc") and tags.find("input", id="date_from", type="date")
    assert tags.find("select", id="mode", name="mode")
    # Works without JavaScript (Cite falls back to a link), and nothing inline for the CSP.
    assert [(t["src"], t["defer"]) for t in tags.find("script")] == [("/static/cite.js", None)]
    assert 'class="empty-state"' in response.text and 'class="hits"' not in response.text
    assert tags.find("a", **{"class": "skip-link", "href": "#main"}) and tags.find("main", id="main")
    assert tags.find("meta", name="viewport")
    assert tags.find("link", rel="stylesheet", href="/static/style.css")


def test_results_page_structure(site):
    response = site.get("/", params={"q": "PSHTA"})
    assert response.status_code == 200
    tags = Tags(response.text)
    assert tags.find("input", id="q", value="PSHTA")
    alternate = tags.find("link", rel="alternate", type="application/json")
    assert alternate and alternate[0]["href"].startswith("/api/search?q=PSHTA")
    assert site.get(alternate[0]["href"]).status_code == 200
    assert tags.find("a", href=alternate[0]["href"])  # the visible JSON link
    csv_link = tags.find("a", type="text/csv")
    assert csv_link and "format=csv" in csv_link[0]["href"] and "q=PSHTA" in csv_link[0]["href"]
    exported = site.get(csv_link[0]["href"])
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("rank,score,title,date,paragraph")
    hits = re.findall(r'<li class="hit">', response.text)
    assert 1 <= len(hits) <= 10
    api = site.get("/api/search", params={"q": "PSHTA", "k": 10}).json()
    urls = [r["citation"]["url"] for r in api["results"]]
    for url in urls[: len(hits)]:
        assert html.escape(url, quote=True) in response.text  # each passage links to itself in place
    assert "<mark>PSHTA</mark>" in response.text
    assert 'id="answer-heading"' in response.text


def test_no_answer_note_and_no_results_state(site):
    response = site.get("/", params={"q": "How do I bake sourdough bread?"})
    assert "No answer in the statements" in response.text
    # Asked in another language: passages, and the reason there is no answer.
    thai = site.get("/", params={"q": "คณะทำงานประชุมที่กรุงเทพฯ เมื่อใด"})
    assert "Answers are read from questions in English" in thai.text and "No answer in the statements" not in thai.text
    assert 'class="hits"' in thai.text
    api = site.get("/api/ask", params={"q": "คณะทำงานประชุมที่กรุงเทพฯ เมื่อใด"}).json()
    assert api["answer"] is None and api["declined"] == "language" and api["passages"]
    assert site.get("/api/ask", params={"q": "How do I bake sourdough bread?"}).json()["declined"] is None
    none = site.get("/", params={"q": "trafficking", "date_from": "2031-01-01"})
    assert none.status_code == 200
    assert 'class="no-results"' in none.text and 'class="hits"' not in none.text


def test_paging_links_move_by_offset(site):
    first = site.get("/", params={"q": "trafficking"}).text
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert "offset=10" in html.unescape(next_link)
    second = site.get(html.unescape(next_link)).text
    assert 'rel="prev"' in second and 'start="11"' in second
    assert 'id="answer-heading"' not in second  # the answer belongs to the first page
    first_ids = set(re.findall(r"chunk=([^#\"]+)#passage", first))
    second_ids = set(re.findall(r"chunk=([^#\"]+)#passage", second))
    assert first_ids and second_ids and not first_ids & second_ids


def test_script_in_the_query_is_escaped_everywhere(site):
    for path in ("/", "/embed"):
        response = site.get(path, params={"q": HOSTILE})
        assert response.status_code == 200
        assert "<script" not in without_own_scripts(response.text)
        assert "&lt;script&gt;" in response.text
    bad = site.get("/", params={"q": HOSTILE, "date_from": HOSTILE})
    assert bad.status_code == 422
    assert "<script" not in without_own_scripts(bad.text) and "date_from" in bad.text


def test_script_in_a_document_is_escaped_in_results_and_document_page(site):
    results = site.get("/", params={"q": "Zanzibar consultation"}).text
    assert "Zanzibar" in results
    assert "<script" not in without_own_scripts(results) and "<img" not in results
    assert "&lt;script&gt;" in results
    page = site.get("/documents/2022-01-05-hostile", params={"chunk": "2022-01-05-hostile:0"})
    assert page.status_code == 200
    assert "<script" not in without_own_scripts(page.text) and "<img" not in page.text and "&lt;img src=x" in page.text


def test_highlight_escapes_before_marking():
    marked = str(highlight("Tom & <b>Jerry</b> discuss trafficking and traffickers", "trafficking <b>"))
    assert marked == ("Tom &amp; &lt;<mark>b</mark>&gt;Jerry&lt;/<mark>b</mark>&gt; discuss "
                      "<mark>trafficking</mark> and traffickers")
    assert str(highlight("victims of trafficking", "victim")) == "<mark>victims</mark> of trafficking"
    assert str(highlight("<mark>x</mark>", "mark")) == "&lt;<mark>mark</mark>&gt;x&lt;/<mark>mark</mark>&gt;"
    assert str(highlight("PSHTA and pshta", "PSHTA")) == "<mark>PSHTA</mark> and <mark>pshta</mark>"
    assert str(highlight("text", "🙂")) == "text"


def test_split_at_clamps():
    assert split_at("abcdef", 2, 4) == ("ab", "cd", "ef")
    assert split_at("abc", -3, 99) == ("", "abc", "")


def test_document_page_marks_the_cited_passage(site):
    api = site.get("/api/search", params={"q": "PSHTA"}).json()["results"][0]
    response = site.get(api["citation"]["url"].split("#")[0])
    assert response.status_code == 200
    # The passage is marked paragraph by paragraph; the first piece carries the old #passage anchor.
    pieces = re.findall(r'<mark(?: id="passage" tabindex="-1")? class="cited">(.*?)</mark>', response.text, re.S)
    assert response.text.count('<mark id="passage"') == 1
    assert _words(html.unescape(" ".join(pieces))) == _words(api["text"])
    document = site.get(f"/api/documents/{api['citation']['doc_id']}").json()
    shown = re.findall(r'<span class="ptext">(.*?)</span></p>', response.text, re.S)
    texts = [html.unescape(re.sub(r"</?mark[^>]*>", "", s)) for s in shown]
    assert texts == [document["text"][p["start"]:p["end"]] for p in document["paragraphs"]]  # paragraphs intact
    assert _words(" ".join(texts)) == _words(document["text"])  # nothing of the text left out
    for label in ("Date", "Kind", "Source"):
        assert f"<dt>{label}</dt>" in response.text
    assert document["source"] in response.text


def test_document_page_without_or_with_a_foreign_chunk_marks_nothing(site):
    plain = site.get("/documents/2022-01-05-hostile")
    assert plain.status_code == 200 and 'id="passage"' not in plain.text
    foreign = site.get("/documents/2022-01-05-hostile", params={"chunk": "some-other-doc:0"})
    assert 'id="passage"' not in foreign.text and "not in this version" in foreign.text


def test_unknown_document_page_is_a_friendly_404(site):
    response = site.get("/documents/" + "nope<b>x</b>")
    assert response.status_code == 404
    assert "Document not found" in response.text and "&lt;b&gt;" in response.text and "<b>x" not in response.text


@pytest.mark.parametrize("params,status", [
    ({"q": "x", "date_from": "soon"}, 422),
    ({"q": "x", "offset": "many"}, 422),
    ({"q": "x", "mode": "<b>"}, 422),
    ({"q": "x" * 2000}, 422),
    ({"q": "x", "doc": "missing-doc"}, 404),
])
def test_bad_page_parameters_give_a_friendly_error_page(site, params, status):
    response = site.get("/", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="error-box"' in response.text and 'role="search"' in response.text
    assert "<b>" not in response.text


def test_unknown_page_is_a_friendly_404(site):
    response = site.get("/no/such/page")
    assert response.status_code == 404 and 'class="error-box"' in response.text


def test_security_headers_on_pages_and_api(site):
    for path in ("/", "/?q=PSHTA", "/documents/2022-01-05-hostile", "/api/search?q=x", "/static/style.css", "/nope"):
        headers = site.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["referrer-policy"]


def test_embed_page_may_be_framed_by_any_site_and_opens_links_in_a_new_tab(site):
    response = site.get("/embed", params={"q": "PSHTA"})
    assert response.status_code == 200
    assert "x-frame-options" not in response.headers
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    tags = Tags(response.text)
    assert tags.find("form", action="/embed", method="get")
    assert not tags.find("header", **{"class": "site-header"})  # minimal chrome
    links = [a for t, a in tags.tags if t == "a" and a.get("href", "").startswith("/documents/")]
    assert links and all(a.get("target") == "_blank" and a.get("rel") == "noopener" for a in links)


def test_static_files_are_local(site):
    css = site.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    widget = site.get("/static/widget.js")
    assert widget.status_code == 200 and "attachShadow" in widget.text
    assert "innerHTML" not in widget.text.split("*/", 1)[1]  # data reaches the page as text only


def test_a_method_a_page_does_not_take_is_405_with_allow(site):
    response = site.post("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert "text/html" in response.headers["content-type"]


def test_the_answer_card_marks_the_words_that_answer(site):
    from .test_api import ANSWERABLE

    response = site.get("/", params={"q": ANSWERABLE})
    answer = site.get("/api/ask", params={"q": ANSWERABLE}).json()["answer"]
    assert answer and answer["span"]
    marked = Tags(response.text).find("mark", **{"class": "answer-span"})
    assert marked and html.escape(answer["span"]["text"], quote=False) in response.text


def _words(text: str) -> list[str]:
    return text.split()
