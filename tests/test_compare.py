"""Comparing two statements paragraph by paragraph (search_app/comparison.py, /api/compare)."""

from __future__ import annotations

import pytest

from search_app.comparison import ONLY_A, ONLY_B, REWORDED, SAME, word_diff

from .apptools import app_client, assert_error, build

P1 = "Members welcomed the policy guides on criminalising migrant smuggling and their translation."
P2 = "The Co-Chairs noted the growth of online scam compounds across the region this year."
P3 = "Ministers agreed to fund the Regional Support Office for three more years from July."
P4 = "Delegates discussed the safe return and reintegration of victims of trafficking at length."
P2_REWORDED = "The Co-Chairs noted with concern the growth of online scam compounds across the region."
P5 = "A new task force on forced criminality in cyber fraud will report to the next meeting."

A = "\n\n".join([P1, P2, P3, P4])
B = "\n\n".join([P4, P1, P2_REWORDED, P5])  # P4 moved first, P2 reworded, P3 dropped, P5 added


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "2016-03-22-a.txt").write_text(A, encoding="utf-8")
    (corpus / "2023-02-10-b.txt").write_text(B, encoding="utf-8")
    build(corpus, root / "index")
    with app_client(corpus, root / "index") as c:
        yield c


def test_paragraphs_are_aligned_and_labelled(client):
    body = client.get("/api/compare", params={"a": "2016-03-22-a", "b": "2023-02-10-b"}).json()
    assert body["a"]["doc_id"] == "2016-03-22-a" and body["b"]["date"] == "2023-02-10"
    rows = [(p["label"], p["a"] and p["a"]["text"], p["b"] and p["b"]["text"]) for p in body["paragraphs"]]
    assert rows == [
        (SAME, P4, P4),  # moved: still the same, in b's order
        (SAME, P1, P1),
        (REWORDED, P2, P2_REWORDED),
        (ONLY_A, P3, None),  # dropped, where it stood in a
        (ONLY_B, None, P5),
    ]
    reworded = body["paragraphs"][2]
    assert ["+", "with concern"] in reworded["diff"] and ["-", "this year"] in reworded["diff"]
    assert body["paragraphs"][0]["diff"] is None
    assert reworded["a"]["url"] == f"/documents/2016-03-22-a#p{reworded['a']['n']}"
    summary = body["summary"]
    assert [x["text"] for x in summary["reaffirmed"]] == [P4, P1, P2_REWORDED]
    assert [x["text"] for x in summary["added"]] == [P5]
    assert [x["text"] for x in summary["dropped"]] == [P3]


def test_word_diff_marks_kept_removed_and_added_words():
    assert word_diff("one two three four", "one 2 three four five") == [
        ("=", "one"), ("-", "two"), ("+", "2"), ("=", "three four"), ("+", "five")]
    assert word_diff("the region.", "the region, again.") == [("=", "the region"), ("+", ", again"), ("=", ".")]


def test_bad_compare_input_is_a_4xx_naming_the_parameter(client):
    assert_error(client.get("/api/compare", params={"a": "2016-03-22-a", "b": "2016-03-22-a"}), 422, "b")
    assert_error(client.get("/api/compare", params={"a": "nope", "b": "2016-03-22-a"}), 404, "a")
    assert_error(client.get("/api/compare", params={"a": "2016-03-22-a", "b": "nope"}), 404, "b")
    assert_error(client.get("/api/compare", params={"b": "2016-03-22-a"}), 422, "a")
    assert_error(client.get("/api/compare", params={"a": "2016-03-22-a"}), 422, "b")


def test_a_very_long_paragraph_is_diffed_whole():
    from search_app.comparison import MAX_DIFF_WORDS

    old, new = "word " * (MAX_DIFF_WORDS + 1), "word " * MAX_DIFF_WORDS + "other"
    assert word_diff(old, new) == [("-", old), ("+", new)]
