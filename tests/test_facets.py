"""Facets: countries, organisations and people named per passage, recorded at build time,
counted per search and used as filters (indexer/facets.py, search_app/facets.py)."""

from __future__ import annotations

import sqlite3

from indexer.facets import COUNTRIES, ORGANISATIONS, PEOPLE, FacetFinder, Mention
from indexer.generation import open_current

from .apptools import app_client, assert_error, index_statements


def named(text: str, facet: str, document: str | None = None) -> list[str]:
    return [m.value for m in FacetFinder(document or text).mentions(text) if m.facet == facet]


def test_each_country_is_shown_by_one_name_whatever_the_spelling():
    assert named("Delegations from Vietnam and Viet Nam, Laos and the Lao PDR attended.", COUNTRIES) == ["Viet Nam", "Lao PDR"]
    assert named("the Republic of Korea and Türkiye", COUNTRIES) == ["Republic of Korea", "Türkiye"]


def test_the_longest_name_wins_and_adjectives_are_not_countries():
    assert named("Papua New Guinea and Niger, not Nigeria", COUNTRIES) == ["Papua New Guinea", "Niger", "Nigeria"]
    assert named("Thai and Indonesian officials met in the Indian Ocean region.", COUNTRIES) == []


def test_a_country_inside_a_body_s_name_is_not_named():
    text = "The Asian Development Bank and the United Nations Office on Drugs and Crime."
    assert named(text, COUNTRIES) == []
    assert named(text, ORGANISATIONS) == ["ADB", "UNODC"]


def test_known_bodies_count_once_by_acronym_or_long_name():
    text = "The International Organization for Migration (IOM) and UNHCR briefed; IOM will follow up."
    assert named(text, ORGANISATIONS) == ["IOM", "UNHCR"]


def test_a_body_the_statement_defines_counts_in_its_other_passages():
    document = "The Jakarta Cyber Policing Centre (JCPC) opened. Later passages say JCPC only."
    assert named("JCPC trained 40 officers.", ORGANISATIONS, document) == ["JCPC"]
    # A defined acronym that is not a body (a meeting, a concept) is no organisation.
    document = "The Senior Officials Meeting (SOM) met. Trafficking in Persons (TIP) was discussed."
    assert named("The SOM discussed TIP.", ORGANISATIONS, document) == []


def test_people_are_names_after_a_title_without_the_title():
    text = "H.E. Ms Retno Marsudi and Minister Penny Wong co-chaired; Mr. John Smith spoke. The Minister for Foreign Affairs thanked them."
    assert named(text, PEOPLE) == ["Retno Marsudi", "Penny Wong", "John Smith"]


def test_the_name_matcher_finds_whole_names_leftmost_and_longest_without_overlap():
    from indexer.facets import NameMatcher, country_spans

    matcher = NameMatcher(["Papua", "Papua New Guinea", "New Guinea", "Niger", "UN", "UN Women", "the Hague"])
    text = "Papua New Guinea, Nigeria, Niger-based, UN Women and UN; in the Hague. UNHCR"
    assert [name for _, _, name in matcher.find(text)] == ["Papua New Guinea", "UN Women", "UN", "the Hague"]
    start, end, _ = matcher.find(text)[0]
    assert text[start:end] == "Papua New Guinea"
    # Names that start with no letter, or are one character long, are found as the alternation found them.
    odd = NameMatcher(["(UN)", "X", "Xavier Group"])
    assert [name for _, _, name in odd.find("the (UN) and X, not X-ray or AX; the Xavier Group")] == ["(UN)", "X", "Xavier Group"]
    # A leading "the" of an official name is left out of the span.
    assert [("the State of Palestine"[a:b]) for a, b in country_spans("the State of Palestine")] == ["State of Palestine"]


def test_mentions_are_values_in_order_of_first_mention():
    mentions = FacetFinder("").mentions("Thailand, IOM and Thailand again.")
    assert mentions == [Mention(ORGANISATIONS, "IOM"), Mention(COUNTRIES, "Thailand")]


# ------------------------------------------------------------------ built, counted, filtered

CORPUS = {
    "2019-05-01-a.txt": "Thailand and Malaysia discussed labour trafficking in fishing fleets with IOM.\n\n"
                        "A second paragraph about victim protection and shelters in Thailand.",
    "2021-06-01-b.txt": "Indonesia and the UNODC discussed online scam compounds and forced criminality.",
    "2023-07-01-c.txt": "Viet Nam raised labour trafficking of fishers and asked IOM and UNHCR for support.",
}


def facet_corpus(tmp_path):
    return index_statements(tmp_path, CORPUS)


def test_the_build_records_each_chunk_s_mentions(tmp_path):
    _, index = facet_corpus(tmp_path)
    generation = open_current(index)
    rows = generation.db.execute("SELECT facet, value FROM facets").fetchall()
    assert ("countries", "Viet Nam") in rows and ("organisations", "UNODC") in rows
    # Rebuilding after a document goes removes its chunks' mentions.
    assert generation.counts()["chunks"] >= 3


def test_search_counts_facets_and_filters_by_them(tmp_path):
    corpus, index = facet_corpus(tmp_path)
    with app_client(corpus, index) as client:
        body = client.get("/api/search", params={"q": "labour trafficking fishing", "k": 10}).json()
        facets = body["facets"]
        assert facets["countries"]["Thailand"] >= 1 and facets["countries"]["Viet Nam"] == 1
        assert facets["organisations"]["IOM"] >= 2
        assert list(facets["years"]) == sorted(facets["years"])
        assert sum(facets["years"].values()) == body["total"]

        only = client.get("/api/search", params={"q": "labour trafficking fishing", "country": "Viet Nam"}).json()
        assert {r["citation"]["doc_id"] for r in only["results"]} == {"2023-07-01-c"}
        assert set(only["facets"]["countries"]) == {"Viet Nam"}

        either = client.get("/api/search", params=[("q", "trafficking"), ("country", "Viet Nam"), ("country", "Indonesia")]).json()
        assert {r["citation"]["doc_id"] for r in either["results"]} == {"2023-07-01-c", "2021-06-01-b"}
        both = client.get("/api/search", params={"q": "trafficking", "country": "Viet Nam", "org": "UNHCR"}).json()
        assert {r["citation"]["doc_id"] for r in both["results"]} == {"2023-07-01-c"}
        none = client.get("/api/search", params={"q": "trafficking", "country": "Atlantis"}).json()
        assert none["results"] == [] and none["total"] == 0

        posted = client.post("/api/search", json={"q": "trafficking", "org": ["UNODC"]}).json()
        assert {r["citation"]["doc_id"] for r in posted["results"]} == {"2021-06-01-b"}
        assert_error(client.post("/api/search", json={"q": "trafficking", "country": [3]}), 422, "country")


def test_a_generation_from_before_facets_counts_none_and_filters_to_nothing(tmp_path):
    corpus, index = facet_corpus(tmp_path)
    generation = open_current(index)
    db = sqlite3.connect(generation.path / "index.sqlite")
    db.execute("DROP TABLE facets")
    db.commit()
    db.close()
    # The manifest records file sizes: record the new size so the generation still opens.
    import json
    manifest_path = generation.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["index.sqlite"] = (generation.path / "index.sqlite").stat().st_size
    manifest_path.write_text(json.dumps(manifest))
    with app_client(corpus, index) as client:
        body = client.get("/api/search", params={"q": "trafficking"}).json()
        assert body["total"] > 0 and body["facets"]["countries"] == {}
        assert client.get("/api/search", params={"q": "trafficking", "country": "Thailand"}).json()["total"] == 0
