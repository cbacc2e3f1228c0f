"""Atom feeds of searches and timelines, read back with feedparser (what feed readers use),
and the history pages that link them (search_app/feeds.py, history_pages.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from search_app.history_pages import year_bars

from .apptools import app_client, build, index_statements

STATEMENTS = {
    "2015-05-29-first.txt": "The Ministers met in Bali.\n\nOnline scam compounds.",
    "2019-03-01-second.txt": "Returns were \x0b discussed.\n\nOnline scam compounds.",
    "2023-02-10-third.txt": "Officials reviewed the budget and the workplan.\n\nOnline scam compounds.",
}


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    return index_statements(tmp_path_factory.mktemp("feeds"), STATEMENTS)


def test_the_search_feed_is_valid_atom_newest_first(corpus_index):
    with app_client(*corpus_index) as client:
        response = client.get("/feeds/search.atom", params={"q": "online scam compounds"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        assert [e.updated[:10] for e in feed.entries] == ["2023-02-10", "2019-03-01", "2015-05-29"]
        for entry in feed.entries:
            assert entry.id.startswith("tag:statement-search.org,2026:document/")
            assert re.match(r"http://testserver/documents/[\w-]+#p\d+$", entry.link)
            assert "scam" in entry.summary.lower()
        assert feed.feed.id.startswith("tag:statement-search.org,2026:search?")
        rels = {link.rel: link.href for link in feed.feed.links}
        assert rels["self"].startswith("http://testserver/feeds/search.atom?q=online")
        assert rels["alternate"].startswith("http://testserver/?q=online")
        # Every element is in the Atom namespace (a strict XML parser agrees with feedparser).
        root = ET.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        assert all(child.tag.startswith("{http://www.w3.org/2005/Atom}") for child in root.iter())


def test_entry_ids_are_stable_across_rebuilds(corpus_index, tmp_path):
    corpus, index = corpus_index
    with app_client(corpus, index) as client:
        before = feedparser.parse(client.get("/feeds/timeline.atom", params={"q": "online scam compounds"}).content)
    build(corpus, tmp_path / "other-index")  # a whole new build of the same statements
    with app_client(corpus, tmp_path / "other-index") as client:
        after = feedparser.parse(client.get("/feeds/timeline.atom", params={"q": "online scam compounds"}).content)
    assert [e.id for e in before.entries] == [e.id for e in after.entries] and before.entries
    assert before.feed.id == after.feed.id


def test_a_feed_with_nothing_matching_is_still_valid(corpus_index):
    with app_client(*corpus_index) as client:
        feed = feedparser.parse(client.get("/feeds/search.atom", params={"q": "zebra giraffe savannah"}).content)
        assert not feed.bozo and feed.entries == [] and feed.feed.updated


def test_bad_feed_input_is_a_4xx(corpus_index):
    with app_client(*corpus_index) as client:
        assert client.get("/feeds/search.atom").status_code == 422
        assert client.get("/feeds/search.atom", params={"q": "x", "date_from": "soon"}).status_code == 422


def test_pages_link_their_feeds_and_the_timeline(corpus_index):
    with app_client(*corpus_index) as client:
        search = client.get("/", params={"q": "online scam compounds"}).text
        assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/feeds/search.atom\?q=online', search)
        assert 'href="/timeline?q=online+scam+compounds' in search
        timeline = client.get("/timeline", params={"q": "online scam compounds"}).text
        assert 'href="/feeds/timeline.atom?q=online' in timeline
        assert "<svg" in timeline and timeline.count('class="timeline-entry"') == 3
        assert "first mention" in timeline and "latest mention" in timeline
        assert 'href="/compare?a=2015-05-29-first&amp;b=2019-03-01-second"' in timeline


def test_the_histogram_has_a_bar_for_every_year_between():
    bars = year_bars({"2015": 2, "2018": 1})
    assert [(b.year, b.count) for b in bars] == [("2015", 2), ("2016", 0), ("2017", 0), ("2018", 1)]
    assert bars[0].height > bars[3].height > bars[1].height == 0
    assert year_bars({}) == []


def test_the_compare_page_shows_the_labels_and_diffs(corpus_index):
    with app_client(*corpus_index) as client:
        page = client.get("/compare", params={"a": "2015-05-29-first", "b": "2023-02-10-third"})
        assert page.status_code == 200
        assert "row-same" in page.text and "row-only-in-b" in page.text
        assert client.get("/compare", params={"a": "2015-05-29-first", "b": "2015-05-29-first"}).status_code == 422
        assert client.get("/compare", params={"a": "nope", "b": "2015-05-29-first"}).status_code == 404
        assert client.get("/compare").status_code == 200  # the empty form


def test_history_pages_escape_what_the_query_holds(corpus_index):
    with app_client(*corpus_index) as client:
        page = client.get("/timeline", params={"q": "<script>alert(1)</script> scam"}).text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
