"""Timelines: a topic across the statements, oldest first, entered on relevance; periods in
the query as date filters (search_app/timeline.py, periods.py, /api/timeline)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from indexer.embedder import FakeEmbedder
from indexer.generation import open_current
from search_app.periods import find_period, narrow
from search_app.requests import SearchRequest
from search_app.searcher import Searcher
from search_app.timeline import TimelinePolicy, build_timeline

from .apptools import app_client, assert_error, index_statements

STATEMENTS = {
    "2015-05-29-first.txt": "The Ministers met in Bali.\n\nOnline scam compounds.\n\nMembers discussed boats at sea.",
    "2018-08-07-second.txt": "Members agreed a budget for the office.\n\nThey reviewed the policy guides on smuggling.",
    "2019-03-01-third.txt": "Returns were discussed.\n\nOnline scam compounds grew.",
    "2023-02-10-fourth.txt": "Officials reviewed the budget and the workplan.\n\nNothing else was said.",
}


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    return index_statements(tmp_path_factory.mktemp("timeline"), STATEMENTS)


@pytest.fixture(scope="module")
def searcher(corpus_index):
    return Searcher(open_current(corpus_index[1]), FakeEmbedder())


@pytest.mark.parametrize("query, topic, start, end", [
    ("online scams since 2020", "online scams", date(2020, 1, 1), None),
    ("returns after 2019", "returns", date(2020, 1, 1), None),
    ("returns before 2020", "returns", None, date(2019, 12, 31)),
    ("boats until 2016", "boats", None, date(2016, 12, 31)),
    ("Andaman Sea crisis in 2015", "Andaman Sea crisis", date(2015, 1, 1), date(2015, 12, 31)),
    ("funding between 2020 and 2017", "funding", date(2017, 1, 1), date(2020, 12, 31)),
    ("funding 2015-2018", "funding", date(2015, 1, 1), date(2018, 12, 31)),
    ("from 2016 to 2018, policy guides", "policy guides", date(2016, 1, 1), date(2018, 12, 31)),
    ("trafficking from 2015 through 2018", "trafficking", date(2015, 1, 1), date(2018, 12, 31)),
    ("trafficking since 2015 before 2018", "trafficking", date(2015, 1, 1), date(2017, 12, 31)),
])
def test_a_period_in_the_query_becomes_dates_and_leaves_the_topic(query, topic, start, end):
    found_topic, period = find_period(query)
    assert (found_topic, period.date_from, period.date_to) == (topic, start, end)


def test_a_query_without_a_period_is_left_alone():
    assert find_period("the 2030 Agenda and Resolution 1325") == ("the 2030 Agenda and Resolution 1325", None)
    assert find_period("in 2016")[0] == "in 2016"  # nothing else left: the words stay the topic


def test_old_means_whole_years_between_the_dates():
    from search_app.timeline import years_after

    assert years_after(date(2021, 12, 20), 2) == date(2023, 12, 20)
    assert years_after(date(2020, 2, 29), 2) == date(2022, 2, 28)


def test_narrow_keeps_what_both_allow():
    _, period = find_period("x since 2018")
    assert narrow(date(2016, 1, 1), date(2020, 6, 1), period) == (date(2018, 1, 1), date(2020, 6, 1))
    assert narrow(None, None, None) == (None, None)


def test_the_statements_that_address_a_topic_in_date_order(searcher):
    timeline = build_timeline(searcher, SearchRequest("online scam compounds"))
    assert [e.doc_id for e in timeline.entries] == ["2015-05-29-first", "2019-03-01-third"]
    assert timeline.first == "2015-05-29-first" and timeline.latest == "2019-03-01-third"
    assert timeline.by_year == {"2015": 1, "2019": 1}
    for entry in timeline.entries:
        assert 1 <= len(entry.passages) <= TimelinePolicy().passages
        hit = entry.passages[0]
        assert hit.citation.doc_id == entry.doc_id and hit.citation.paragraph is not None
        assert entry.relevance >= TimelinePolicy().min_similarity
    # The latest mention (2019) is four years older than the newest statement (2023).
    assert timeline.stale and timeline.silent_since == 1
    assert "2019-03-01" in timeline.note and "one statement since" in timeline.note


def test_entry_is_by_relevance_not_rank(searcher):
    # Every statement is ranked for some passage; only those close enough enter.
    loose = build_timeline(searcher, SearchRequest("online scam compounds"), replace(TimelinePolicy(), min_similarity=-1, min_rank_score=-1))
    assert len(loose.entries) == len(STATEMENTS)
    assert build_timeline(searcher, SearchRequest("zebra giraffe savannah")).entries == []


def test_every_mode_decides_entry_on_the_same_footing(searcher):
    for mode in ("hybrid", "keyword", "semantic"):
        timeline = build_timeline(searcher, SearchRequest("online scam compounds", mode=mode))
        assert [e.doc_id for e in timeline.entries] == ["2015-05-29-first", "2019-03-01-third"], mode


def test_a_period_filters_the_entries(searcher):
    timeline = build_timeline(searcher, SearchRequest("online scam compounds since 2016"))
    assert timeline.topic == "online scam compounds" and timeline.period.text == "since 2016"
    assert [e.doc_id for e in timeline.entries] == ["2019-03-01-third"]


def test_the_api_returns_the_documented_shape(corpus_index):
    with app_client(*corpus_index) as client:
        body = client.get("/api/timeline", params={"q": "online scam compounds"}).json()
        assert {"query", "took_ms", "facets", "entries", "by_year", "first", "latest"} <= set(body)
        assert [e["date"] for e in body["entries"]] == sorted(e["date"] for e in body["entries"])
        entry = body["entries"][0]
        assert set(entry) == {"date", "doc_id", "title", "kind", "relevance", "passages"}
        assert entry["passages"][0]["citation"]["url"].startswith(f"/documents/{entry['doc_id']}")
        assert body["period"] is None and body["note"]
        posted = client.post("/api/timeline", json={"q": "online scam compounds", "date_to": "2016-12-31"}).json()
        assert [e["doc_id"] for e in posted["entries"]] == ["2015-05-29-first"]
        assert posted["note"] is None  # scope ends in 2016: nothing newer is in it


def test_bad_timeline_input_is_a_4xx_naming_the_parameter(corpus_index):
    with app_client(*corpus_index) as client:
        assert_error(client.get("/api/timeline", params={"q": "  "}), 422, "q")
        assert_error(client.get("/api/timeline"), 422, "q")
        assert_error(client.get("/api/timeline", params={"q": "x in 2016", "date_from": "2020-01-01"}), 422, "q")
        assert_error(client.get("/api/timeline", params={"q": "x", "date_from": "2020-13-01"}), 422, "date_from")
        assert_error(client.get("/api/timeline", params={"q": "x", "doc": "nope"}), 404, "doc")
        assert_error(client.post("/api/timeline", json={"q": "x", "k": 3}), 422, "k")
