"""Acronym definitions: found in the forms the statements write them, and nothing invented."""

from __future__ import annotations

import pytest

from search_app.acronyms import find_definitions, query_acronyms


@pytest.mark.parametrize("acronym, text, expected", [
    ("TEG-RR", "the Technical Experts Group on Returns and Reintegration (TEG-RR), and the GABF",
     "Technical Experts Group on Returns and Reintegration"),
    ("TFPP", "the TFPP (Task Force on Planning and Preparedness) met twice", "Task Force on Planning and Preparedness"),
    ("CTiP", "Combatting Trafficking in Persons (CTiP) – The Bali Process", "Combatting Trafficking in Persons"),
    ("jclec", "at the Jakarta Centre for Law Enforcement Cooperation (JCLEC) in Semarang",
     "Jakarta Centre for Law Enforcement Cooperation"),
    ("PSHTA", "the 2012 Prevention and Suppression of Human Trafficking Act (PSHTA), which",
     "Prevention and Suppression of Human Trafficking Act"),
    # A long form starts at a name's word, not at a small word that has its letter.
    ("OHCHR", "and the Office of the United Nations High Commissioner for Human Rights (OHCHR) became",
     "Office of the United Nations High Commissioner for Human Rights"),
    ("ROL", "respect for the rule of law (ROL) matters", "rule of law"),
    ("ARM", "to assist at-risk migrants (ARM) now", "at-risk migrants"),
    ("OJT", "Border officials received on-the-job training (OJT) in", "on-the-job training"),
])
def test_definitions_are_found(acronym, text, expected):
    assert find_definitions(acronym, text) == [expected]


@pytest.mark.parametrize("acronym, text", [
    ("UN", "we met (UN) today"),                       # letters not in the words before
    ("RSO", "the office said so. (RSO)"),               # a long form does not cross a sentence
    ("TFPP", "TFPP (see page 4)"),                      # a parenthesis that is not a long form
    ("IOM", "the IOM met the RSO"),                     # used, never defined
])
def test_nothing_is_invented(acronym, text):
    assert find_definitions(acronym, text) == []


def test_query_acronyms():
    assert query_acronyms("What is the TEG-RR?") == ["TEG-RR"]
    assert query_acronyms("Who leads the RSO and JCLEC, and the RSO?") == ["RSO", "JCLEC"]
    assert query_acronyms("jclec") == ["jclec"]
    assert query_acronyms("When was the Bali Process founded?") == []


def _searcher(tmp_path, fake_embedder, files: dict[str, str]):
    from indexer.build import build_index
    from indexer.generation import open_current
    from search_app.searcher import Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, tmp_path / "index", fake_embedder)
    return Searcher(open_current(tmp_path / "index"), fake_embedder)


def test_a_bare_acronym_query_finds_and_answers_with_its_definition(tmp_path, fake_embedder):
    from search_app.answers import RANKING, best_candidate, default_answer_model
    from search_app.requests import SearchRequest

    searcher = _searcher(tmp_path, fake_embedder, {
        "2023-01-01-a.txt": "Members praised the Task Force on Planning and Preparedness (TFPP) for its annual "
                            "tabletop exercise on mass arrivals by sea. The exercise tested contingency plans.",
        "2023-02-01-b.txt": "The TFPP met again. The TFPP met again in March. Planning continues for the TFPP. "
                            "Delegates discussed the weather and the venue at length before lunch.",
    })
    assert searcher.evidence.expansions("TFPP") == ("Task Force on Planning and Preparedness",)
    assert searcher.evidence.expansions("tfpp") == ("Task Force on Planning and Preparedness",)
    assert searcher.evidence.expansions("What did the delegates discuss?") == ()
    hits = searcher.search(SearchRequest("TFPP", k=5)).hits
    assert hits[0].citation.source == "2023-01-01-a.txt"
    candidate = best_candidate(searcher.evidence, "TFPP", hits, default_answer_model().selection_weights(RANKING))
    assert "Task Force on Planning and Preparedness (TFPP)" in candidate.hit.text[candidate.start:candidate.end]


def test_a_short_question_about_what_something_stands_for_names_it_in_any_case():
    assert query_acronyms("jclec meaning") == ["jclec"]
    assert query_acronyms("wg-d stands for") == ["wg-d"]
    assert query_acronyms("what does tfpp stand for?") == ["tfpp"]
    # Without such a cue, lower-case words of a longer query are words, not acronyms.
    assert query_acronyms("victim protection meeting") == []


def test_a_hyphenated_acronym_may_abbreviate_a_long_name_by_its_head():
    text = ("The Working Group on the Disruption of Criminal Networks Involved in People Smuggling and "
            "Trafficking in Persons (WG-D) met in Colombo.")
    assert find_definitions("WG-D", text) == [
        "Working Group on the Disruption of Criminal Networks Involved in People Smuggling and Trafficking in Persons"]
