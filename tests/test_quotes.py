"""Quote check: word-for-word quotes are `exact` whatever their typography; a changed number or
name, a dropped "not", or words joined from two places never are."""

from __future__ import annotations


import pytest

from search_app.quotes import words_of

from .apptools import assert_error

FOUNDED = "The Bali Process on People Smuggling, Trafficking in Persons and Related Transnational Crime was founded in 2002."
CONSULTATION = ("Over the course of the two-day workshop, delegates explored themes such as linkages between gender "
                "and trafficking in persons")
SPLIT_BY_PAGE = "These events were followed by a Bali Process Taskforce on Planning and Preparedness (TFPP) Policy Expert Gathering"


@pytest.fixture(scope="module")
def client(seed_client):
    return seed_client


def check(client, text: str) -> list[dict]:
    response = client.post("/api/quote-check", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()["sentences"]


def one(client, text: str) -> dict:
    sentences = check(client, text)
    assert len(sentences) == 1
    return sentences[0]


def test_an_exact_quote_is_found_with_its_citation(client):
    found = one(client, FOUNDED)
    assert found["verdict"] == "exact" and found["similarity"] == 1.0
    citation = found["match"]["citation"]
    document = client.get(f"/api/documents/{citation['doc_id']}").json()
    assert document["text"][citation["start"]:citation["end"]] == found["match"]["text"]
    assert words_of(found["match"]["text"]).norm == words_of(FOUNDED).norm
    paragraph = next(p for p in document["paragraphs"] if p["n"] == citation["paragraph"])
    assert paragraph["start"] <= citation["start"] < paragraph["end"]


@pytest.mark.parametrize("variant", [
    FOUNDED.upper(),
    "  " + FOUNDED.replace(" ", "\n   ", 3) + "  ",
    "“" + FOUNDED.replace("People Smuggling,", "People Smuggling") + "”",
    "two–day workshop: " + CONSULTATION.replace("two-day", "two—day"),
])
def test_case_white_space_quotes_and_dashes_do_not_matter(client, variant):
    if variant.startswith("two–day workshop: "):
        variant = variant.removeprefix("two–day workshop: ")
    assert one(client, variant)["verdict"] == "exact"


@pytest.mark.parametrize(("altered", "quoted", "statement"), [
    (FOUNDED.replace("2002", "2004"), "2004", "2002"),  # a number
    (FOUNDED.replace("Bali Process", "Colombo Process", 1), "Colombo", "Bali"),  # a name
    (CONSULTATION.replace("between gender", "between age"), "age", "gender"),
])
def test_a_changed_number_or_name_is_near_with_the_difference_marked(client, altered, quoted, statement):
    found = one(client, altered)
    assert found["verdict"] == "near"
    assert {"quoted": quoted, "statement": statement} in found["match"]["differences"]
    assert 0.75 <= found["similarity"] < 1.0


def test_a_dropped_or_added_not_is_never_exact(client):
    added = one(client, CONSULTATION.replace("delegates explored", "delegates did not explore"))
    assert added["verdict"] != "exact"
    statement = "Participants also discussed challenges associated with gathering evidence in forced criminality cases"
    assert one(client, statement)["verdict"] == "exact"
    assert one(client, statement.replace("also discussed", "also did not discuss"))["verdict"] != "exact"


def test_words_joined_from_two_places_are_not_exact(client):
    spliced = "The Bali Process was founded in 2002 as an international forum aimed at combatting human trafficking."
    assert one(client, spliced)["verdict"] != "exact"
    two_halves = FOUNDED[:60] + " " + CONSULTATION[40:]
    assert one(client, two_halves)["verdict"] != "exact"


def test_an_invented_quote_is_not_found_and_shows_the_closest_passages(client):
    found = one(client, "The Co-Chairs announced that the Bali Process will be dissolved at the end of the year.")
    assert found["verdict"] == "not_found" and found["match"] is None
    assert found["closest"] and all(set(c) >= {"text", "citation", "chunk_id"} for c in found["closest"])


def test_a_quote_across_a_page_break_of_the_converted_pdf_is_exact(client):
    assert one(client, SPLIT_BY_PAGE)["verdict"] == "exact"


def test_each_sentence_of_a_paste_gets_its_own_verdict_and_offsets(client):
    paste = FOUNDED + " " + FOUNDED.replace("2002", "2004") + " The moon is made of cheese and the tide obeys it."
    sentences = check(client, paste)
    assert [s["verdict"] for s in sentences] == ["exact", "near", "not_found"]
    for s in sentences:
        assert paste[s["start"]:s["end"]] == s["text"]


@pytest.mark.parametrize(("body", "parameter"), [
    ({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "x " * 2501}, "text"), ({}, "text"),
    ({"text": 5}, "text"),
])
def test_bad_input_is_a_422_naming_text(client, body, parameter):
    assert_error(client.post("/api/quote-check", json=body), 422, parameter)


def test_the_check_page_shows_verdicts_and_escapes_the_paste(client):
    response = client.get("/check", params={"text": FOUNDED + " <script>alert(1)</script> is not in any statement."})
    assert response.status_code == 200
    assert "Exact quote" in response.text and "Not found" in response.text
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;" in response.text
    assert client.get("/check").status_code == 200  # the empty form
    assert client.get("/check", params={"text": "x" * 5001}).status_code == 422


def test_words_the_statement_negates_just_before_are_not_exact(client):
    # The statement: "... persons found not to be owed international protection ...": dropping
    # the "not" reverses it (the paste's words are a difference of one word, not a quote).
    found = one(client, "Persons found to be owed international protection.")
    assert found["verdict"] == "near"
    assert {"quoted": "", "statement": "not"} in found["match"]["differences"]
    after_not = one(client, "to be owed international protection")
    assert after_not["verdict"] == "near"
    assert after_not["match"]["differences"] == [{"quoted": "", "statement": "not"}]
    assert after_not["match"]["text"].startswith("not to be owed")


def test_a_piece_cut_off_after_an_abbreviation_stays_with_its_sentence():
    from search_app.quotes import paste_sentences

    text = "Results appeared in J. Biol. to the surprise of many. A second sentence here."
    pieces = [text[a:b] for a, b in paste_sentences(text)]
    assert pieces[-1] == "A second sentence here."
    assert "".join(pieces[:-1]).replace(" ", "") == text[: text.index(" A second")].replace(" ", "")


def test_a_quote_that_leaves_words_out_is_near_with_them_shown(client):
    found = one(client, "The Bali Process was founded in 2002.")
    assert found["verdict"] == "near"
    left_out = [d["statement"] for d in found["match"]["differences"] if not d["quoted"]]
    assert any("People Smuggling" in s for s in left_out)


def test_word_offsets_point_at_the_original_characters_whatever_folding_does():
    text = "Le cafe\u0301 de la Straße est fermé à İstanbul, ﬁnancial １２."
    words = words_of(text)
    assert [text[a:b] for a, b in words.spans][2:5] == ["de", "la", "Straße"]
    assert words.norm[4] == "strasse" and "istanbul" in words.norm and "12" in words.norm


@pytest.mark.parametrize(("quoted", "statement", "same"), [
    ("costs rose by £5 million", "costs rose by $5 million", False),  # currency
    ("costs rose by £ 5 million", "costs rose by $ 5 million", False),  # with a space too
    ("costs rose by £ 5 million", "costs rose by £5 million", True),
    ("45 % of cases", "45% of cases", True),
    ("a rate of 3.5 per cent", "a rate of 3, 5 per cent", False),  # decimal point against a list
    ("45% of cases", "45 of cases", False),  # a percentage
    ("1,000 victims", "1000 victims", True),  # a thousands separator is typography
    ("in 2002.", "in 2002", True),  # a full stop is not a decimal point
])
def test_numbers_keep_their_currency_decimals_and_percent(quoted, statement, same):
    assert (words_of(quoted).norm == words_of(statement).norm) is same


def test_a_quote_check_citation_points_at_the_quote_s_own_paragraph(client):
    found = one(client, FOUNDED)
    citation = found["match"]["citation"]
    assert citation["url"] == f"/documents/{citation['doc_id']}#p{citation['paragraph']}"


def test_line_breaks_count_once_as_a_browser_counts_them(client):
    text = "Bali.\r\n" * 833 + "ab"  # 5,000 characters as a textarea counts them, 5,833 as sent
    response = client.post("/api/quote-check", json={"text": text})
    assert response.status_code == 200, response.text
    assert_error(client.post("/api/quote-check", json={"text": text + "c"}), 422, "text")
