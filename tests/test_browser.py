"""Real-browser tests in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
search, follow a citation to the highlighted passage, and the widget on another origin."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indexer.embedder import FakeEmbedder
from search_app.app import create_app

from .apptools import ServerThread, build, make_settings
from .conftest import SEED_CORPUS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browsers)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install -e '.[test]')")


class HostPage:
    """A page on another origin that embeds the widget with one script tag, served with a
    strict CSP of its own (no inline script) to prove the widget needs none. Bound at once,
    so its origin is known before the API server is configured; `api_url` is set later."""

    def __init__(self):
        host = self
        self.api_url = ""
        # Hostile host styles: the widget's shadow root must keep them out.
        css = b"* { color: rgb(255, 0, 0) !important; } input { display: none; } li { font-size: 40px; }"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/host.css":
                    body, kind = css, "text/css"
                else:
                    body, kind = host.page().encode(), "text/html; charset=utf-8"
                csp = f"default-src 'self'; script-src {host.api_url}; connect-src {host.api_url}"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy", csp)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self) -> str:
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Host site</title>"
            "<link rel='stylesheet' href='/host.css'></head><body>"
            "<h1>A news site</h1><div id='statements'></div>"
            f"<script src='{self.api_url}/static/widget.js' data-target='#statements' data-k='3'></script>"
            "</body></html>"
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    build(root / "corpus", root / "index")
    return root / "corpus", root / "index"


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def test_search_follow_a_citation_and_see_the_passage_highlighted(seed_index, page):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        page.goto(server.url + "/")
        page.get_by_label("Search the statements").fill("PSHTA")
        page.keyboard.press("Enter")
        page.wait_for_selector("li.hit")
        hits = page.locator("li.hit")
        assert hits.count() >= 1
        assert "PSHTA" in hits.first.locator("mark").first.inner_text()
        assert page.locator("section.answer-card").is_visible()

        hits.first.get_by_role("link", name="Show in document").click()
        page.wait_for_url("**/documents/**#passage")
        mark = page.locator("mark#passage")
        playwright_api.expect(mark).to_be_visible()
        playwright_api.expect(mark).to_be_in_viewport()
        # The passage is marked paragraph by paragraph; the first piece is #passage.
        assert "PSHTA" in " ".join(page.locator("mark.cited").all_inner_texts())
        assert page.evaluate("document.querySelector('mark#passage').getBoundingClientRect().top") > 0
    assert not page.errors, page.errors


def test_a_paragraph_permalink_opens_the_page_there_with_the_paragraph_marked(seed_index, page):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        doc_id = "2016-03-22-sixth-senior-officials-meeting-co-chairs-statement"
        page.goto(f"{server.url}/documents/{doc_id}#p9")
        target = page.locator("p.para:target")
        playwright_api.expect(target).to_have_attribute("id", "p9")
        playwright_api.expect(target).to_be_in_viewport()
        assert target.locator("a.pnum").inner_text() == "9"
        marked = page.evaluate("getComputedStyle(document.querySelector('p.para:target')).backgroundColor")
        plain = page.evaluate("getComputedStyle(document.querySelector('#p1')).backgroundColor")
        assert marked != plain
        page.locator("#p3 a.pnum").click()  # the margin number is the paragraph's own link
        page.wait_for_url("**#p3")
        playwright_api.expect(page.locator("p.para:target")).to_have_attribute("id", "p3")
    assert not page.errors, page.errors


def test_open_a_timeline_from_a_search_and_follow_an_entry_to_its_paragraph(seed_index, page):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        page.goto(server.url + "/?q=PSHTA")
        page.get_by_role("link", name="Timeline of this topic").click()
        page.wait_for_url("**/timeline?q=PSHTA**")
        entries = page.locator("li.timeline-entry")
        playwright_api.expect(entries.first).to_be_visible()
        dates = [t for t in page.locator("li.timeline-entry time").all_inner_texts()]
        assert dates == sorted(dates) and dates
        playwright_api.expect(page.locator("figure.histogram svg rect").first).to_be_attached()
        link = entries.first.locator("a.entry-passage").first
        paragraph = link.inner_text().removeprefix("para. ")
        passage = entries.first.locator("blockquote.passage p").first.inner_text()
        link.click()
        page.wait_for_url(f"**/documents/**#p{paragraph}")
        target = page.locator("p.para:target")
        playwright_api.expect(target).to_have_attribute("id", f"p{paragraph}")
        playwright_api.expect(target).to_be_in_viewport()
        assert " ".join(passage.split()[:6]) in " ".join(target.inner_text().split())  # where the passage starts
    assert not page.errors, page.errors


def test_a_facet_checkbox_narrows_the_search(seed_index, page):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        page.goto(server.url + "/?q=trafficking")
        box = page.locator("fieldset.facets input[name=country]").first
        country = box.get_attribute("value")
        box.check()
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url("**country=**")
        playwright_api.expect(page.locator(f"fieldset.facets input[name=country][value='{country}']")).to_be_checked()
        assert page.locator("li.hit").count() >= 1
        counts = page.locator("fieldset.facets .facet-group").first.locator("li").all_inner_texts()
        assert country in counts[0]  # every passage left names it: it is the most frequent
    assert not page.errors, page.errors


def test_cite_copies_a_ready_citation_of_the_passage_paragraph(seed_index, browser):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        with ServerThread(app) as server:
            page.goto(server.url + "/?q=PSHTA")
            hit = page.locator("li.hit").first
            paragraph = hit.locator(".para-ref").inner_text().removeprefix("para. ").split("–")[0]
            hit.locator("a.cite-link").click()
            playwright_api.expect(hit.locator("output.cite-text")).to_contain_text(f"para. {paragraph},")
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied == hit.locator("output.cite-text").inner_text()
            assert copied.endswith(")." ) and f"#p{paragraph}>" in copied and "accessed" in copied
            assert "None" not in copied and "undefined" not in copied
            # The document page: every paragraph has its own Cite.
            page.goto(server.url + "/documents/2016-03-22-sixth-senior-officials-meeting-co-chairs-statement#p4")
            page.locator("#p4 a.pcite").click()
            playwright_api.expect(page.locator("#p4 output.cite-text")).to_contain_text("para. 4,")
            assert "para. 4," in page.evaluate("navigator.clipboard.readText()")
    finally:
        context.close()


def test_quote_check_page_gives_each_sentence_its_verdict(seed_index, page):
    app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())
    with ServerThread(app) as server:
        page.goto(server.url + "/check")
        page.get_by_label("Quotation").fill(
            "The Bali Process on People Smuggling, Trafficking in Persons and Related Transnational Crime "
            "was founded in 2004. The moon is made of cheese and nobody said otherwise.")
        page.get_by_role("button", name="Check").click()
        page.wait_for_selector("li.verdict")
        assert page.locator("li.verdict-near").count() == 1
        assert page.locator("li.verdict-not_found").count() == 1
        near = page.locator("li.verdict-near")
        assert near.locator("del").inner_text() == "2004" and near.locator("ins").inner_text() == "2002"
    assert not page.errors, page.errors


def search_in_widget(page, host_url: str, query: str):
    page.goto(host_url + "/")
    box = page.locator("#statements input[type=search]")  # Playwright pierces open shadow roots
    box.fill(query)
    box.press("Enter")
    return box


def test_widget_on_another_origin_renders_cited_results_in_its_shadow_root(seed_index, page):
    with HostPage() as host:
        app = create_app(make_settings(*seed_index, cors_origins=(host.url,)), embedder=FakeEmbedder())
        with ServerThread(app) as api:
            host.api_url = api.url
            box = search_in_widget(page, host.url, "PSHTA")
            page.wait_for_selector("#statements li.hit")
            hits = page.locator("#statements li.hit")
            assert 1 <= hits.count() <= 3
            assert "PSHTA" in hits.first.locator("mark").first.inner_text()
            playwright_api.expect(page.locator("#statements .answer")).to_be_visible()
            link = hits.first.locator("a.title")
            assert link.get_attribute("href").startswith(api.url + "/documents/")
            assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener"
            # The host's `* { color: red !important }` and `input { display: none }` stay outside.
            assert box.is_visible()
            assert link.evaluate("a => getComputedStyle(a).color") != "rgb(255, 0, 0)"
            passage = hits.first.locator(".passage")
            assert passage.evaluate("p => getComputedStyle(p).color") == "rgb(27, 31, 36)"
            button = page.locator("#statements button[type=submit]")  # the widget's own stylesheet applies
            assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 87, 164)"
            assert page.evaluate("document.querySelector('#statements').shadowRoot !== null")
            assert page.evaluate("document.querySelectorAll('li').length") == 0  # nothing in the light DOM
    assert not page.errors, page.errors


def test_widget_cite_copies_the_citation_of_the_passage_paragraph(seed_index, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        with HostPage() as host:
            app = create_app(make_settings(*seed_index, cors_origins=(host.url,)), embedder=FakeEmbedder())
            with ServerThread(app) as api:
                host.api_url = api.url
                search_in_widget(page, host.url, "PSHTA")
                page.wait_for_selector("#statements li.hit")
                hit = page.locator("#statements li.hit").first
                shown = hit.locator(".meta").inner_text()
                paragraph = shown.split("para. ")[1].split("–")[0].split(" ")[0]
                hit.locator("button.cite").click()
                playwright_api.expect(hit.locator("output.cite-text")).to_contain_text(f"para. {paragraph},")
                copied = page.evaluate("navigator.clipboard.readText()")
                assert copied == hit.locator("output.cite-text").inner_text()
                assert f"<{api.url}/documents/" in copied and f"#p{paragraph}>" in copied and "accessed" in copied
                assert "None" not in copied and "undefined" not in copied
                answer = page.locator("#statements .answer")
                answer.locator("button.cite").click()  # PSHTA has an answer: the long form it stands for
                playwright_api.expect(answer.locator("output.cite-text")).to_contain_text("para. ")
    finally:
        context.close()
    assert not errors, errors


def test_widget_says_so_when_the_api_does_not_allow_the_origin(seed_index, page):
    with HostPage() as host:
        app = create_app(make_settings(*seed_index), embedder=FakeEmbedder())  # no CORS origins
        with ServerThread(app) as api:
            host.api_url = api.url
            search_in_widget(page, host.url, "PSHTA")
            playwright_api.expect(page.locator("#statements .status")).to_contain_text("Search failed")
            assert page.locator("#statements li.hit").count() == 0
