"""The answer picker: sentence vectors stored by the indexer, and the features that choose a
sentence (kinds of answer, names, headings, acronym definitions)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from indexer.build import build_index
from indexer.generation import open_current
from indexer.terms import light_stems
from search_app.answers import RANKING, answer_candidates, answer_question, default_answer_model, grounded_candidate
from search_app.sentence_reading import asks_for_definition, expected_kind, holds_kind, is_heading, mentions
from search_app.requests import SearchRequest
from search_app.searcher import Searcher


@pytest.fixture
def built(tiny_corpus, tmp_path, fake_embedder):
    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    return Searcher(open_current(tmp_path / "index"), fake_embedder)


def test_the_build_stores_each_chunks_sentences_with_exact_offsets(built):
    db = built.generation.db
    rows = db.execute('SELECT c.text, s.start, s."end", length(s.vector) FROM chunks c JOIN sentences s ON s.embed_hash = c.embed_hash').fetchall()
    assert rows
    assert all(0 <= a < b <= len(text) and text[a:b] == text[a:b].strip() and size == 2 * built.generation.dimension
               for text, a, b, size in rows)
    chunks_without = db.execute("SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM sentences s WHERE s.embed_hash = c.embed_hash)").fetchone()[0]
    assert chunks_without == 0


def test_asking_uses_the_stored_sentence_vectors_and_embeds_nothing_but_the_query(built, fake_embedder, monkeypatch):
    # (The chosen sentence's word-by-word alignment reads it once more: tested below.)
    monkeypatch.setattr(built.evidence, "alignments", lambda question, hit, sentences: [1.0] * len(sentences))
    before = list(fake_embedder.calls)
    result = answer_question(built, SearchRequest("Where did the Working Group meet to discuss online scam operations?", k=5),
                             default_answer_model())
    assert result.passages
    assert fake_embedder.calls == before  # embed_documents never called: sentences came from the index


@pytest.mark.parametrize("question", ["When did the Working Group meet in Bangkok?", "What enabling factors did speakers describe?",
                                      "Who briefed members on forced criminality?", "Where did the Regional Event take place?"])
def test_reading_alignment_only_where_it_can_matter_picks_what_reading_all_would(built, question):
    from search_app.answers import grounded_candidates, selection_score

    weights = default_answer_model().selection_weights(RANKING)
    hits = built.search(SearchRequest(question, k=10)).hits
    every = grounded_candidates(built.evidence, question, answer_candidates(built.evidence, question, hits))
    expected = max(every, key=lambda cs: selection_score(cs[0].features, weights), default=None)
    got = grounded_candidate(built.evidence, question, hits, weights)
    assert (got is None) == (expected is None)
    if got is not None:
        assert got[0] == expected[0] and got[1] == expected[1]


def test_a_sentence_whose_alignment_was_not_read_cannot_be_ranked(built):
    question = "When did the Working Group meet in Bangkok?"
    hits = built.search(SearchRequest(question, k=5)).hits
    unread = answer_candidates(built.evidence, question, hits, align=False)
    assert unread and all(c.features.alignment is None for c in unread)
    with pytest.raises(ValueError, match="alignment"):
        unread[0].features.ranking()


def test_the_chosen_sentence_is_aligned_word_by_word_once(built, fake_embedder):
    question = "When did the Working Group meet in Bangkok?"
    result = answer_question(built, SearchRequest(question, k=5), default_answer_model())
    hits = built.search(SearchRequest(question, k=5)).hits
    candidate, _ = grounded_candidate(built.evidence, question, hits, default_answer_model().selection_weights(RANKING))
    value = built.evidence.alignments(question, candidate.hit, [(candidate.start, candidate.end)])[0]
    assert -1.0 <= value <= 1.0 and value == candidate.features.alignment
    calls = list(fake_embedder.calls)
    assert built.evidence.alignments(question, candidate.hit, [(candidate.start, candidate.end)]) == [value]
    assert fake_embedder.calls == calls  # remembered: the same question and sentence are not read again
    assert result.answer is None or result.answer.confidence >= 0.5


def test_a_sentence_past_the_encoders_cut_stands_in_with_its_passages_vector(built, fake_embedder):
    import sqlite3

    # The indexer stores zeros for a sentence the encoder never read (past its 256 tokens).
    with sqlite3.connect(built.generation.path / "index.sqlite") as conn:
        conn.execute("UPDATE sentences SET vector = zeroblob(length(vector))")
    searcher = Searcher(open_current(built.generation.path.parent), fake_embedder)
    hit = searcher.search(SearchRequest("porous borders rule of law corruption", k=3)).hits[0]
    calls = list(fake_embedder.calls)
    from indexer.chunking import split_sentences

    vectors = searcher.evidence.sentence_vectors(hit, list(split_sentences(hit.text)))
    assert vectors and fake_embedder.calls == calls  # no encoder pass
    from search_app.results import parse_chunk_key

    passage = searcher.generation.chunk_vectors(*parse_chunk_key(hit.chunk_id)).mean(axis=0)
    for vector in vectors:
        np.testing.assert_allclose(vector, passage / np.linalg.norm(passage), atol=1e-6)


def test_an_index_without_sentence_vectors_still_answers(built, fake_embedder):
    db_path = built.generation.path / "index.sqlite"
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM sentences")
    searcher = Searcher(open_current(built.generation.path.parent), fake_embedder)
    hits = searcher.search(SearchRequest("porous borders rule of law corruption", k=3)).hits
    candidates = answer_candidates(searcher.evidence, "What enabling factors did speakers describe?", hits)
    assert candidates and all(np.isfinite(c.features.sentence_cosine) for c in candidates)


def test_removing_a_document_drops_its_sentences(tiny_corpus, tmp_path, fake_embedder):
    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    (tiny_corpus / "2023-11-07-statement-b.md").unlink()
    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    db = open_current(tmp_path / "index").db
    orphans = db.execute("SELECT count(*) FROM sentences WHERE embed_hash NOT IN (SELECT embed_hash FROM chunks)").fetchone()[0]
    assert orphans == 0 and db.execute("SELECT count(*) FROM sentences").fetchone()[0] > 0


def test_chunks_of_an_index_without_sentence_vectors_are_embedded_again(tiny_corpus, tmp_path, fake_embedder):
    import sqlite3

    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    first = open_current(tmp_path / "index")
    with sqlite3.connect(first.path / "index.sqlite") as conn:
        conn.execute("DELETE FROM sentences")  # as an index built before they were stored
    # Same text under a new name: its chunk texts are already embedded, but without sentences.
    text = (tiny_corpus / "2016-03-22-statement-a.txt").read_text(encoding="utf-8")
    (tiny_corpus / "2016-03-23-statement-a-copy.txt").write_text(text, encoding="utf-8")
    report = build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    assert report.chunks_reused == 0 and report.chunks_embedded > 0
    db = open_current(tmp_path / "index").db
    assert db.execute("SELECT count(*) FROM sentences").fetchone()[0] > 0


@pytest.mark.parametrize("question, kind", [
    ("When was the Fifth Ministerial Conference held?", "date"),
    ("Which industries came up when delegates discussed the laws?", None),
    ("dates of the special meetings", "date"),
    ("Number of observers in 2013", "number"),
    ("How many members attended?", "number"),
    ("Who chaired the meeting?", "name"),
])
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert expected_kind(question) == kind


def test_a_year_does_not_answer_how_many():
    assert holds_kind("number", "Recommendations from the Fifth Ministerial Meeting (April 2013)") == -1.0
    assert holds_kind("number", "The events were attended by 15 members.") == 1.0
    assert holds_kind("number", "Penalties of five to 12 years.") == 1.0


@pytest.mark.parametrize("sentence, heading", [
    ("A new impetus: Recommendations from the Bali Process 10th Anniversary and Fifth Ministerial Meeting (April 2013)", True),
    ("The RSO has been tasked by the Bali Process to :", True),
    ("The RSO has drafted concept notes in order to explore different options for implementation", False),
    ("48 members (including 45 states; IOM, UNHCR and UNODC), 29 observers", False),
    ("The Meeting welcomed the establishment of the Working Group.", False),
])
def test_headings_and_list_lead_ins_are_told_from_sentences(sentence, heading):
    assert is_heading(sentence) is heading


def test_a_definition_is_the_answer_only_when_the_question_asks_for_one():
    assert asks_for_definition("TEG-RR")
    assert asks_for_definition("What does ASEAN-ACT stand for?")
    assert not asks_for_definition("What did members ask the RSO to do about national smuggling laws?")


def test_a_past_form_no_suffix_fold_reaches_meets_its_verb():
    from indexer.terms import light_stem

    assert light_stems("The Meeting was held in Bangkok.") >= {light_stem("hold")}
    assert light_stem("took") == light_stem("taken") == light_stem("take")
    assert light_stem("met") == light_stem("meeting") != light_stem("held")
    # Past forms that are words of their own stay themselves: "given the rise", "KRW 5,000 won".
    assert (light_stem("given"), light_stem("won"), light_stem("found")) == ("given", "won", "found")


def test_a_demonym_names_its_country():
    assert mentions(light_stems("Ambassador Lynn Bell from Australia"), "Australian")
    assert not mentions(light_stems("Ambassador Tri Tharyat from Indonesia"), "Australian")


def test_an_index_from_before_sentence_vectors_is_rebuilt_once(tiny_corpus, tmp_path, fake_embedder):
    import json

    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    generation = open_current(tmp_path / "index")
    manifest_path = generation.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["fingerprint"]["sentence_vectors"]  # as written by a build before they existed
    manifest_path.write_text(json.dumps(manifest))
    report = build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    assert report.full and report.chunks_reused == 0 and "rebuilding everything" in report.note
    assert build_index(tiny_corpus, tmp_path / "index", fake_embedder).generation is None  # then nothing to do


def test_the_answer_holds_what_the_question_asks_for_and_says_where(built):
    weights = default_answer_model().selection_weights(RANKING)
    question = "When did the Working Group meet in Bangkok?"
    hits = built.search(SearchRequest(question, k=5)).hits
    candidate, span = grounded_candidate(built.evidence, question, hits, weights)
    assert candidate.text[span.start : span.end] == "7 November 2023"


def test_a_question_whose_kind_no_sentence_holds_gets_no_answer(built):
    weights = default_answer_model().selection_weights(RANKING)
    # The statements name organisations at the Regional Event, never a person.
    question = "Which official opened the Regional Event on victim protection?"
    hits = built.search(SearchRequest(question, k=5)).hits
    assert hits and grounded_candidate(built.evidence, question, hits, weights) is None
    assert answer_question(built, SearchRequest(question, k=5), default_answer_model()).answer is None


def test_a_question_naming_an_ordinal_or_number_no_statement_holds_gets_no_answer(built):
    weights = default_answer_model().selection_weights(RANKING)
    answered = "When did the Working Group meet in Bangkok?"
    hits = built.search(SearchRequest(answered, k=5)).hits
    assert grounded_candidate(built.evidence, answered, hits, weights) is not None
    # The same question about a meeting (or a year) the statements never mention.
    for near_miss in ("When did the Working Group meet in Bangkok for its Eleventh Annual Meeting?",
                      "When did the Working Group meet in Bangkok in 2031?"):
        hits = built.search(SearchRequest(near_miss, k=5)).hits
        assert hits and grounded_candidate(built.evidence, near_miss, hits, weights) is None


def test_a_question_naming_what_no_statement_holds_gets_no_answer(built):
    weights = default_answer_model().selection_weights(RANKING)
    # "Chiang Mai" is nowhere in the statements: a sentence about Bangkok's meeting is no answer.
    near_miss = "When did the Working Group meet in Chiang Mai?"
    hits = built.search(SearchRequest(near_miss, k=5)).hits
    assert hits and grounded_candidate(built.evidence, near_miss, hits, weights) is None
    # A form of a word the statements hold is known: "Bangkok's", "UNHCR's"; two-letter initials too.
    assert not built.evidence.unknown("Bangkok")
    assert not built.evidence.unknown("Regionally")  # "regional"
    assert not built.evidence.unknown("KL")
    assert built.evidence.unknown("Chiang") and built.evidence.unknown("Kilimanjaro")
    # A word of five letters or more typed with two letters swapped is the word.
    assert not built.evidence.unknown("Bnagkok")
    assert built.evidence.unknown("Bnagkko")  # two swaps


def test_words_with_two_letters_swapped():
    from search_app.evidence import swapped_letters

    assert swapped_letters("wacth") == {"awcth", "wcath", "watch", "wacht"}


def test_question_identifiers_are_ordinals_and_whole_numbers():
    from search_app.sentence_reading import question_identifiers

    assert question_identifiers("When was the Eleventh Annual Meeting held in 2023?") == {"ord:11", "2023"}
    assert question_identifiers("Who chaired the 9th meeting?") == {"ord:9"}  # the same as "Ninth"
    assert question_identifiers("Who founded the Walk Free Foundation?") == set()
    # An adverb is no identifier; a number keeps its separators.
    assert question_identifiers("When was the Bali Process first established?") == set()
    assert question_identifiers("Was the fine 2,000 or 3.5 million?") == {"2000", "3.5"}


def test_a_meetings_ordinal_is_held_only_by_a_passage_that_gives_a_meeting_that_ordinal():
    from search_app.naming import meeting_ordinals

    assert meeting_ordinals("Where did the Working Group hold its first meeting?") == {1}
    assert meeting_ordinals("the Ninth Annual Meeting") == {9}
    assert meeting_ordinals("Mr Awal and First Assistant Secretary Ms Lee co-chaired it for the first time") == set()


def test_a_numbered_meeting_of_another_series_is_another_meeting():
    from search_app.naming import numbered_meetings
    from search_app.sentence_reading import describes

    asked = numbered_meetings("Where will the Eleventh Bali Process Ministerial Conference be held?")
    assert asked == {(11, "ministerial")}
    assert numbered_meetings("the Eleventh Senior Officials' Meeting (SOM)") == {(11, "som")}
    som = _candidate("The Eleventh Bali Process Senior Officials Meeting was held in Canberra.", "2026-03-19", 1.0, "a").hit
    ministerial = _candidate("The Eleventh Ministerial Conference will meet in Bali.", "2026-03-19", 1.0, "b").hit
    unnamed = _candidate("It was the eleventh time members met in Bali.", "2026-03-19", 1.0, "c").hit
    assert not describes(som, {"ord:11"}, asked)
    assert describes(ministerial, {"ord:11"}, asked)
    assert describes(unnamed, {"ord:11"}, asked)  # an ordinal of no series may be that meeting
    # A question naming two meetings of one number: a passage naming either may answer it.
    both = numbered_meetings("What did the Eleventh Ministerial Conference take from the Eleventh Senior Officials Meeting?")
    assert both == {(11, "ministerial"), (11, "som")} and describes(ministerial, {"ord:11"}, both)
    # The series must follow in the same clause; "annual" gives way to the series it qualifies.
    assert numbered_meetings("the Eleventh Conference, with senior officials meeting before") == set()
    assert numbered_meetings("the Fifth Annual Senior Officials Meeting") == {(5, "som")}


def test_an_acronym_is_mentioned_where_the_words_it_abbreviates_are():
    from search_app.naming import initialisms

    found = initialisms("Co-Chairs' Statement: Virtual Senior Officials Meeting of the Working Group on Trafficking in Persons")
    assert {"som", "vsom", "wg", "tip", "tp"} <= found
    assert "cs" in found and "xyz" not in found
    assert initialisms("no capitals here") == set()


def _hit(rank: int, doc_id: str, start: int, end: int):
    from search_app.results import Citation, Hit

    citation = Citation(doc_id, "t", None, "s", None, None, start, end, "/u")
    return Hit(rank, 1.0 / rank, f"{doc_id}:{rank}", "x" * (end - start), citation)


def test_the_passage_the_answer_is_quoted_from_leads_with_its_score_kept():
    from dataclasses import replace

    from search_app.answers import Answer, lead_with_answer

    hits = [_hit(11, "a", 0, 100), _hit(12, "b", 0, 100), _hit(13, "a", 100, 200), _hit(14, "c", 0, 50)]
    answer = Answer("sentence", 0.9, replace(hits[2].citation, start=150, end=170))
    led = lead_with_answer(hits, answer)
    assert [h.chunk_id for h in led] == ["a:13", "a:11", "b:12", "c:14"]
    assert [h.rank for h in led] == [11, 12, 13, 14]  # a later page's ranks stay its own
    assert [h.score for h in led] == [hits[2].score, hits[0].score, hits[1].score, hits[3].score]
    # Already first, or (never expected) quoted from no passage: the order stands.
    assert lead_with_answer(hits, replace(answer, citation=replace(answer.citation, start=5))) == hits
    assert lead_with_answer(hits, replace(answer, citation=replace(answer.citation, doc_id="z"))) == hits


def test_an_answered_question_lists_the_answers_passage_first(built, monkeypatch):
    from dataclasses import replace

    question = "When did the Working Group meet in Bangkok?"
    search = built.search
    # The fused ranking's first two swapped: the answering passage comes second.
    monkeypatch.setattr(built, "search", lambda request: replace(
        result := search(request), hits=[*result.hits[1::-1], *result.hits[2:]]))
    swapped = built.search(SearchRequest(question, k=5)).hits
    # The fake embedder's vectors leave the confidence low: answer whatever it is.
    model = replace(default_answer_model(), min_confidence=0.0)
    result = answer_question(built, SearchRequest(question, k=5), model)
    assert result.answer is not None and result.answer.span.text == "7 November 2023"

    def holds_answer(hit) -> bool:
        c = hit.citation
        return c.doc_id == result.answer.citation.doc_id and c.start <= result.answer.citation.start < c.end

    assert not holds_answer(swapped[0]) and holds_answer(result.passages[0])
    assert [h.rank for h in result.passages] == sorted(h.rank for h in swapped)
    rest = [h.chunk_id for h in swapped if h.chunk_id != result.passages[0].chunk_id]
    assert [h.chunk_id for h in result.passages[1:]] == rest  # the others in their order


def test_a_question_for_a_name_is_answered_by_the_sentences_that_give_one(built):
    from search_app.answers import grounded_candidates

    question = "Which toolkit did the Regional Support Office share with members?"
    hits = built.search(SearchRequest(question, k=5)).hits
    candidates = answer_candidates(built.evidence, question, hits)
    grounded = grounded_candidates(built.evidence, question, candidates)
    assert len(candidates) > len(grounded) >= 1
    assert {c.text[s.start : s.end] for c, s in grounded} == {"Screening and Referral Toolkit"}
    # Where no sentence gives a name, every sentence competes with its clause, as before.
    question = "Which action plan did members agree on returns?"
    hits = built.search(SearchRequest(question, k=5)).hits
    candidates = answer_candidates(built.evidence, question, hits)
    assert len(grounded_candidates(built.evidence, question, candidates)) == len(candidates)


@pytest.mark.parametrize("question, english", [
    ("When did the Working Group meet in Bangkok?", True),
    ("working group bangkok meeting date", True),  # a keyword query: its words are the statements'
    ("Where did Mr José Ramos-Horta speak about the São Paulo meeting?", True),  # names with accents
    ("คณะทำงานประชุมที่กรุงเทพฯ เมื่อใด", False),  # Thai
    ("Nhóm công tác đã họp ở Bangkok khi nào?", False),  # Vietnamese
    ("Kapan kelompok kerja bertemu di Bangkok?", False),  # Indonesian
    ("Kapan Proses Bali didirikan?", False),  # Indonesian, naming what the statements name
    ("Saan ginanap ang pulong ng Working Group?", False),  # Tagalog
    # Names and keyword queries are English, whatever words the statements hold.
    ("Dan Tehan Bali Process", True),
    ("Ng Eng Hen trafficking", True),
    ("Sino-Australian cooperation trafficking", True),
    ("ransomware", True),
    ("Kuala Lumpur declaration", True),
    ("Most vulnerable groups?", True),
    ("COVID-19 vaccine rollout", True),
])
def test_the_answer_reader_reads_english_questions_only(question, english):
    from search_app.language import reads_as_english

    assert reads_as_english(question) is english


def test_a_question_in_another_language_gets_passages_and_no_answer(built):
    from dataclasses import replace

    model = replace(default_answer_model(), min_confidence=0.0)  # would answer anything it read
    english = answer_question(built, SearchRequest("When did the Working Group meet in Bangkok?", k=5), model)
    thai = answer_question(built, SearchRequest("คณะทำงานประชุมที่กรุงเทพฯ เมื่อใด 2023", k=5), model)
    assert english.answer is not None
    assert thai.answer is None and thai.passages


def test_a_question_mostly_in_words_the_statements_never_use_gets_no_answer(built):
    from dataclasses import replace

    from search_app.language import mostly_unknown

    unknown = built.evidence.unknown
    assert mostly_unknown(unknown, "zorbly quaxen flimbo Bangkok")  # no English small word, mostly unknown
    assert not mostly_unknown(unknown, "working group bangkok meeting")  # the statements' own words
    assert not mostly_unknown(unknown, "Which zebra crossed the quokka?")  # English: the picker decides
    model = replace(default_answer_model(), min_confidence=0.0)
    result = answer_question(built, SearchRequest("zorbly quaxen flimbo Bangkok", k=5), model)
    assert result.answer is None and result.declined is None and result.passages  # no language named


def test_grounded_sentences_of_a_date_question_hold_the_kind_asked_for(built):
    from search_app.answers import grounded_candidates

    question = "When did the Working Group meet in Bangkok?"
    hits = built.search(SearchRequest(question, k=10)).hits
    grounded = grounded_candidates(built.evidence, question, answer_candidates(built.evidence, question, hits))
    assert grounded and all(c.features.kind_found == 1.0 for c, _ in grounded)


def test_a_reason_is_found_only_where_a_cue_gives_one():
    from dataclasses import replace

    from search_app.answers import _with_kind_found

    question = "Why did the office move?"
    cued = _candidate("The office moved because the old one was too small.", "2018-05-22", 1.0, "a")
    plain = _candidate("The office moved to Sathorn in April 2018.", "2018-05-22", 1.0, "b")
    cued, plain = (replace(c, features=replace(c.features, kind_found=0.0)) for c in (cued, plain))
    assert _with_kind_found(cued, question, "reason").features.kind_found == 1.0
    assert _with_kind_found(plain, question, "reason").features.kind_found == 0.0
    assert _with_kind_found(plain, "When did the office move?", "date").features.kind_found == 1.0
    assert _with_kind_found(plain, "What did the office do?", None).features.kind_found == 0.0


def _candidate(text: str, date: str, coverage: float, chunk: str):
    from search_app.answers import Candidate, SentenceFeatures
    from search_app.results import Citation, Hit

    citation = Citation(chunk, "A statement", date, f"{chunk}.txt", None, None, 0, len(text), "")
    features = SentenceFeatures(coverage=coverage, context_gain=0.0, kind_match=1.0, entity_share=1.0, passage_cosine=0.5,
                                position=0.0, defines=0.0, sentence_cosine=0.5, heading=0.0, passage_coverage=0.5,
                                predicate_coverage=1.0, missing_entity=0.0, document_match=1.0, alignment=None,
                                kind_found=1.0)
    return Candidate(Hit(1, 1.0, f"{chunk}:0", text, citation), 0, len(text), features)


def _titled(candidate, title: str):
    """The candidate in a statement of that title."""
    return replace(candidate, hit=replace(candidate.hit, citation=replace(candidate.hit.citation, title=title)))


class _NoAlignment:
    def alignments(self, question, hit, sentences):
        return [0.0] * len(sentences)


@pytest.mark.parametrize("question, newer_text, newer_gap, chosen", [
    # All but as good, and another figure: the newest statement's.
    ("How many members does the forum have?", "The forum has 47 members.", 0.1, "2026"),
    ("How many members does the forum have?", "The forum has 47 members.", 2.0, "2016"),  # far worse
    ("How many members did the forum have in 2016?", "The forum has 47 members.", 0.1, "2016"),  # a year named
    ("How many members does the forum have?", "Its 45 members met.", 0.1, "2016"),  # the same answer
    ("What does the forum do?", "The forum helps 47 members.", 0.1, "2016"),  # a clause: no figure to differ
    ("Why did the forum grow to 47 members?", "The forum has 47 members.", 0.1, "2016"),  # a reason: nor here
])
def test_of_statements_that_differ_the_newest_answers_a_question_naming_no_year(question, newer_text, newer_gap, chosen):
    from search_app.answers import best_aligned
    from search_app.closeness import Span

    weights = tuple(1.0 if name == "coverage" else 0.0 for name in RANKING)
    older = _candidate("The forum had 45 members.", "2016-03-22", 1.0, "old")
    newer = _candidate(newer_text, "2026-03-19", 1.0 - newer_gap, "new")
    old_at, new_at = older.text.index("45"), newer_text.index("4")
    found = best_aligned(_NoAlignment(), question, [(older, Span(old_at, old_at + 2)), (newer, Span(new_at, new_at + 2))],
                         weights)
    assert found[0].hit.citation.date[:4] == chosen


def test_the_newest_statement_is_quoted_only_where_it_says_otherwise():
    from search_app.answers import best_aligned
    from search_app.closeness import Span

    weights = tuple(1.0 if name == "coverage" else 0.0 for name in RANKING)
    rows = [(_candidate("The forum had 45 members.", "2016-03-22", 1.0, "a"), 14),
            (_candidate("The forum had 47 members.", "2020-03-22", 0.9, "b"), 14),
            (_candidate("The forum has 45 members.", "2026-03-22", 0.95, "c"), 14)]
    found = best_aligned(_NoAlignment(), "How many members does the forum have?",
                         [(c, Span(at, at + 2)) for c, at in rows], weights)
    assert found[0].hit.citation.date == "2016-03-22"  # the newest agrees with the best: the best stands


@pytest.mark.parametrize("change, chosen", [
    ({}, "2024-11"),  # says all the older one says: its passage's rank is no reason to quote the older
    ({"coverage": 0.9}, "2024-06"),  # says less of what was asked
    ({"entity_share": 0.5}, "2024-06"),  # leaves out a name the question gives
    ({"sentence_cosine": 0.4}, "2024-06"),  # reads less like the question
    ({"kind_found": 0.0}, "2024-06"),  # holds no figure
    ({"coverage": 0.0, "older": 0.0}, "2024-06"),  # neither says any of the question's words: nothing restated
])
def test_a_newer_statement_that_restates_the_best_sentence_answers_whatever_its_passage_rank(change, chosen):
    from dataclasses import replace

    from search_app.answers import best_aligned
    from search_app.closeness import Span

    # The older passage ranks first, the newer third: a rank costs 1.0, far past NEWEST_MARGIN.
    change = dict(change)
    weights = tuple({"coverage": 1.0, "position": -1.0, "sentence_cosine": 1.0}.get(name, 0.0) for name in RANKING)
    older = _candidate("The series had reached 410 officials.", "2024-06-05", change.pop("older", 1.0), "old")
    newer = _candidate("The series has reached 560 officials.", "2024-11-20", 1.0, "new")
    newer = replace(newer, features=replace(newer.features, position=2.0, **change))
    found = best_aligned(_NoAlignment(), "How many officials has the series reached?",
                         [(older, Span(23, 26)), (newer, Span(23, 26))], weights)
    assert found[0].hit.citation.date[:7] == chosen


def test_an_older_statement_never_restates_a_newer_best():
    from dataclasses import replace

    from search_app.answers import best_aligned
    from search_app.closeness import Span

    weights = tuple({"coverage": 1.0, "position": -1.0}.get(name, 0.0) for name in RANKING)
    newer = _candidate("The series has reached 560 officials.", "2024-11-20", 1.0, "new")
    older = _candidate("The series had reached 410 officials.", "2024-06-05", 1.0, "old")
    older = replace(older, features=replace(older.features, position=2.0))
    found = best_aligned(_NoAlignment(), "How many officials has the series reached?",
                         [(newer, Span(23, 26)), (older, Span(23, 26))], weights)
    assert found[0].hit.citation.date == "2024-11-20"


@pytest.mark.parametrize("between, answers", [(" ", True), (" It was a busy year. ", False), ("\n\n", False)])
def test_a_why_question_is_answered_by_the_sentence_and_the_reason_right_after_it(between, answers):
    from search_app.answers import best_aligned
    from search_app.closeness import Span

    first, second = "The office moved in April 2018 to larger premises.", "The move was needed because the old office was full."
    text = first + between + second
    weights = tuple(1.0 if name == "coverage" else 0.0 for name in RANKING)
    moved = _candidate(text, "2018-05-22", 1.0, "a")
    moved = replace(moved, end=len(first), features=replace(moved.features, kind_found=0.0))
    at = text.index(second)
    reason = replace(_candidate(text, "2018-05-22", 0.1, "a"), start=at)
    cue = text.index("the old office")
    found = best_aligned(_NoAlignment(), "Why did the office move in 2018?", [(moved, Span(0, 10)),
                         (reason, Span(cue - at, len(second) - 1))], weights)
    chosen, span = found
    if answers:  # both sentences, the reason marked in them
        assert chosen.text == text and chosen.text[span.start:span.end] == "the old office was full"
        assert replace(chosen.features, alignment=None) == moved.features  # the first sentence's
    else:
        assert chosen.text == first


@pytest.mark.parametrize("gap, chosen", [(0.3, "because"), (2.0, "moved")])
def test_a_why_question_is_answered_by_a_close_sentence_that_gives_a_reason(gap, chosen):
    from dataclasses import replace

    from search_app.answers import best_aligned
    from search_app.closeness import Span

    weights = tuple(1.0 if name == "coverage" else 0.0 for name in RANKING)
    topic = _candidate("The office moved in April 2018 to larger premises.", "2018-05-22", 1.0, "a")
    topic = replace(topic, features=replace(topic.features, kind_found=0.0))  # a clause, no cue
    reason = _candidate("It moved because the old office was too small.", "2018-05-22", 1.0 - gap, "b")
    found = best_aligned(_NoAlignment(), "Why did the office move in 2018?",
                         [(topic, Span(0, 10)), (reason, Span(9, 46))], weights)
    assert chosen in found[0].text


def test_a_where_or_when_question_need_not_repeat_how_it_asks_that_an_event_happened(built):
    from search_app.question_view import predicate_coverage, view_question

    view = view_question(built.evidence, "In which city did the Fifth Annual Meeting take place?")
    assert view.optional == {"city", "take", "place"}
    dateline = light_stems("Fifth Annual Meeting, Kuala Lumpur, 20-21 November 2019")
    assert predicate_coverage(view, dateline) == 1.0
    assert predicate_coverage(view, light_stems("The Meeting took place in Kuala Lumpur.")) == 1.0
    # What happened is no such word: a dateline does not say that a meeting was cancelled.
    view = view_question(built.evidence, "When was the Fifth Annual Meeting cancelled?")
    assert view.optional == frozenset() and predicate_coverage(view, dateline) == 0.0
    assert predicate_coverage(view, light_stems("It was cancelled in May 2020.")) == 1.0
    # Nor do other questions drop them: "What did the meeting take up?" asks what was taken up.
    view = view_question(built.evidence, "What did the meeting take up first?")
    assert view.optional == frozenset() and predicate_coverage(view, light_stems("The meeting first discussed scams.")) < 1.0


def test_a_sentence_covers_a_verb_by_the_noun_of_whoever_does_it():
    from search_app.sentence_reading import covers
    from indexer.terms import light_stem

    assert covers(light_stems("Ryan Winch, the Programme Manager, said"), light_stem("manages"))
    assert covers(light_stems("the organiser of the workshop"), light_stem("organised"))
    assert not covers(light_stems("the management of the programme"), light_stem("manages"))
    assert not covers(light_stems("every user of the platform"), light_stem("use"))  # too short a stem to extend
    # A final e comes and goes: "approve" / "approved", "announced" / "announce".
    assert covers(light_stems("It approved nine grants."), light_stem("approve"))
    assert covers(light_stems("They will announce it."), light_stem("announced"))
    assert not covers(light_stems("the former Minister"), light_stem("formed"))  # "form" is too short to extend


@pytest.mark.parametrize("sentence, another", [
    ("This report will go to the Working Group on Trafficking in Persons at its second meeting.", True),
    ("The new Working Group on Technology-Facilitated Trafficking will meet in May.", False),
    ("The new Working Group will meet twice a year.", False),  # names no subject: nothing to tell
    ("Both the Working Group on Trafficking in Persons and the Working Group on Technology-Facilitated "
     "Trafficking will meet.", False),
])
def test_a_body_named_by_another_subject_is_another_body(sentence, another):
    from search_app.naming import names_another_body

    question = "When will the Working Group on Technology-Facilitated Trafficking hold its second meeting?"
    assert names_another_body(question, sentence) is another


def test_a_possessive_is_no_part_of_a_body_s_name():
    from search_app.naming import names_another_body, named_bodies

    question = "How many action items are in the Working Group on Trafficking in Persons' forward work plan?"
    assert named_bodies(question) == {("group", "trafficking in persons")}
    assert not names_another_body(question, "Working Group on Trafficking in Persons Twelfth Annual Meeting")


def test_a_sentence_naming_no_body_is_read_with_its_statement_s_title_and_passage():
    from search_app.answers import _names_another

    question = "Who co-chaired the first meeting of the Working Group on Disruption of Criminal Networks?"
    other = _candidate("It was co-chaired by Ms Carmela Villanueva.", "2026-09-23", 1.0, "a")
    other = replace(other, hit=replace(other.hit, citation=replace(other.hit.citation,
                    title="First meeting of the Working Group on Technology-Facilitated Trafficking")))
    own = replace(other, hit=replace(other.hit, chunk_id="b:0", citation=replace(other.hit.citation,
                  title="First meeting of the Working Group on Disruption of Criminal Networks")))
    assert _names_another(question, other) and not _names_another(question, own)


def test_a_who_question_is_answered_by_a_sentence_that_says_what_was_done():
    from search_app.answers import _saying_what_was_done
    from search_app.closeness import Span

    briefed = _candidate("Ms Kirsten Oakley briefed members on the workplan.", "2024-11-20", 1.0, "a")
    chaired = _candidate("It was co-chaired by Ms Carmela Villanueva.", "2024-11-20", 0.5, "b")
    found = [(briefed, Span(3, 17)), (chaired, Span(24, 42))]
    assert [c.text for c, _ in _saying_what_was_done("Who co-chaired the meeting?", found)] == [chaired.text]
    # None says it: none answers, unless it says every other word the question asks with.
    assert _saying_what_was_done("Who funded the meeting?", found) == []
    assert [c.text for c, _ in _saying_what_was_done("Who represented Australia on the workplan?", found)] == [briefed.text]
    # A verb no statement holds, typed one letter off; a verb the statements hold is read as typed.
    typo = _saying_what_was_done("who co-chared the meeting", found, unknown=lambda word: True)
    assert [c.text for c, _ in typo] == [chaired.text]
    founded = _candidate("The foundation was founded by Mr Andrew Forrest.", "2024-11-20", 0.5, "c")
    assert _saying_what_was_done("Who funded the workshop?", [(founded, Span(29, 42))], unknown=lambda word: False) == []
    # "Whom did X replace?": the verb after the one who did it, and a word for it ("succeeded").
    succeeded = _candidate("Ms Brennan succeeded Mr Daniel Hargreaves as Co-Chair.", "2024-11-20", 0.5, "e")
    co_chaired = _candidate("It was co-chaired by Ms Carmela Villanueva and Ms Olivia Brennan.", "2024-11-20", 1.0, "f")
    kept = _saying_what_was_done("Whom did Olivia Brennan replace as co-chair?",
                                 [(co_chaired, Span(21, 40)), (succeeded, Span(25, 42))])
    assert [c.text for c, _ in kept] == [succeeded.text]
    assert len(_saying_what_was_done("Who did the RSO work with on the toolkit?", found)) == 2  # no verb to hold
    # An irregular verb's other forms say it: "leads" by "led", "gave" by "given".
    led = _candidate("The Bali Process is jointly led by the Foreign Ministers of Australia and Indonesia.", "2024-03-18",
                     1.0, "g")
    assert len(_saying_what_was_done("Who leads the Bali Process?", [(led, Span(38, 55))])) == 1
    given = _candidate("The keynote address was given by Ms Kate Moore.", "2024-11-20", 0.5, "d")
    assert len(_saying_what_was_done("Who gave the keynote address?", [(given, Span(36, 46))])) == 1
    # "who is" asks for no deed: every one stays.
    assert len(_saying_what_was_done("Who is the co-manager?", found)) == 2
    assert len(_saying_what_was_done("Who will be the next co-chair?", found)) == 2  # "will be": no deed named


def test_the_answer_is_read_from_as_many_passages_whatever_the_page_shows(built, monkeypatch):
    from dataclasses import replace

    from search_app.answers import ANSWER_PASSAGES

    model = replace(default_answer_model(), min_confidence=0.0)
    question = "When did the Working Group meet in Bangkok?"
    wide = answer_question(built, SearchRequest(question, k=10), model)
    asked, search = [], built.search
    monkeypatch.setattr(built, "search", lambda request: asked.append(request.k) or search(request))
    narrow = answer_question(built, SearchRequest(question, k=1), model)
    assert asked == [ANSWER_PASSAGES]  # read as deep as ever...
    assert wide.answer is not None and narrow.answer == wide.answer
    # ...and shown as asked: the page as ranked (an answer read past it is not pulled in, so the
    # next page neither repeats nor skips a passage).
    assert narrow.passages == search(SearchRequest(question, k=1)).hits


def test_a_name_in_brackets_defines_only_for_a_question_that_asks_what_it_stands_for(built):
    from search_app.answers import _passage_candidates
    from search_app.question_view import view_question
    from search_app.results import Citation, Hit

    text = "The Co-Chairs thanked the Indonesian Chamber of Commerce and Industry (KADIN) for co-organising the plenary."
    citation = Citation("d", "KADIN plenary", "2026-10-15", "d.txt", None, None, 0, len(text), "")
    hit = Hit(1, 1.0, "no-such-chunk", text, citation, dense_score=0.5)
    for question, defines in [("What does KADIN stand for?", 1.0), ("KADIN annual meeting", 0.0),
                              ("What does KADIN mean for small firms?", 0.0)]:
        view = view_question(built.evidence, question)
        [candidate] = _passage_candidates(built.evidence, view, question, hit, 0, align=False)
        assert candidate.features.defines == defines, question


@pytest.mark.parametrize("question, title, text, kind_found, meeting", [
    # The meeting asked, named by the statement's title or the sentence, and a fact of its kind held.
    ("Where was the Tenth Senior Officials Meeting held?", "Co-Chairs' Statement: Tenth Senior Officials Meeting",
     "Tenth Senior Officials Meeting, Yogyakarta, 15-16 November 2022", 1.0, True),
    ("When was the Ninth SOM held?", "A statement", "The Ninth Senior Officials Meeting was held on 16 June 2021.", 1.0, True),
    # Another meeting, no fact of the kind asked, or a question of another kind: the calibration decides.
    ("Where was the Tenth Senior Officials Meeting held?", "Co-Chairs' Statement: Ninth Senior Officials Meeting",
     "The Ninth Senior Officials Meeting was held in Bali.", 1.0, False),
    ("Where was the Tenth Senior Officials Meeting held?", "Co-Chairs' Statement: Tenth Senior Officials Meeting",
     "The Tenth Senior Officials Meeting was a success.", 0.0, False),
    ("Which tech company attended the Ninth Annual Meeting?", "Ninth Annual Meeting of the Working Group",
     "The Ninth Annual Meeting gave members an opportunity to share progress.", 1.0, False),
    ("Where was the meeting held?", "Tenth Senior Officials Meeting", "It was held in Yogyakarta.", 1.0, False),
])
def test_a_meeting_s_own_facts_in_its_own_statement_need_less_confidence(question, title, text, kind_found, meeting):
    from search_app.answers import _of_asked_meeting

    candidate = _titled(_candidate(text, "2022-11-16", 1.0, "c"), title)
    candidate = replace(candidate, features=replace(candidate.features, kind_found=kind_found))
    assert _of_asked_meeting(question, candidate) is meeting


def test_a_why_question_s_sentence_that_gives_no_reason_is_followed_by_the_next_even_without_a_cue():
    from search_app.answers import best_aligned
    from search_app.closeness import Span

    first, second = "Colombo was chosen over Dhaka and Kathmandu.", "Sri Lanka offered rent-free premises in the port."
    text = f"{first} {second}"
    weights = tuple(1.0 if name == "coverage" else 0.0 for name in RANKING)
    chosen = replace(_candidate(text, "2026-12-09", 1.0, "a"), end=len(first))
    chosen = replace(chosen, features=replace(chosen.features, kind_found=0.0))
    after = replace(_candidate(text, "2026-12-09", 0.2, "a"), start=len(first) + 1)
    after = replace(after, features=replace(after.features, kind_found=0.0))
    found, span = best_aligned(_NoAlignment(), "Why was Colombo chosen for the desk?",
                               [(chosen, Span(0, len(first) - 1)), (after, Span(0, len(second) - 1))], weights)
    assert found.text == text and found.text[span.start:span.end] == second[:-1]
    # A sentence that gives a cue itself stands alone.
    cued = replace(chosen, features=replace(chosen.features, kind_found=1.0))
    found, _ = best_aligned(_NoAlignment(), "Why was Colombo chosen for the desk?",
                            [(cued, Span(0, len(first) - 1)), (after, Span(0, len(second) - 1))], weights)
    assert found.text == first


@pytest.mark.parametrize("question, title, text, misses", [
    ("How many grants did the Fund award to organisations in Malaysia?", "Twelfth Annual Meeting",
     "The second funding round awarded 12 grants worth USD 1.14 million.", True),
    # The country in the sentence, its passage or its statement's title, or none asked.
    ("How many grants did the Fund award in Malaysia?", "A statement", "It awarded 3 grants in Malaysia.", False),
    ("How many convictions did Bangladesh's tribunals record?", "Bali Process Co-Chairs meet Bangladesh",
     "The Dhaka Tribunal recorded 78 convictions.", False),
    ("How many grants did the Fund award?", "A statement", "It awarded 12 grants.", False),
    # A country's adjective describes someone, not what is counted.
    ("How many countries did the Australian minister visit?", "A statement", "The minister visited 5 countries.", False),
])
def test_a_count_of_a_country_is_not_read_where_nothing_names_that_country(question, title, text, misses):
    from search_app.answers import _misses_asked_country

    candidate = _titled(_candidate(text, "2026-11-26", 1.0, "c"), title)
    assert _misses_asked_country(question, candidate) is misses


def test_an_answer_read_past_the_page_leaves_the_page_as_ranked(built, monkeypatch):
    import search_app.answers as answers

    question = "When did the Working Group meet in Bangkok?"
    ranked = built.search(SearchRequest(question, k=6)).hits
    last = ranked[-1]
    # The answer comes from the sixth passage, past a page of two.
    answer = answers.Answer(last.text[:20], 0.9, replace(last.citation, end=last.citation.start + 20),
                            answers.AnswerSpan(last.text[:5], last.citation.start, last.citation.start + 5))
    monkeypatch.setattr(answers, "extract_answer", lambda *args: answer)
    page = answer_question(built, SearchRequest(question, k=2), default_answer_model())
    assert page.answer is not None and [h.chunk_id for h in page.passages] == [h.chunk_id for h in ranked[:2]]
    # Within the page it leads.
    answer = replace(answer, citation=replace(ranked[1].citation, end=ranked[1].citation.start + 20))
    monkeypatch.setattr(answers, "extract_answer", lambda *args: answer)
    page = answer_question(built, SearchRequest(question, k=2), default_answer_model())
    assert [h.chunk_id for h in page.passages] == [ranked[1].chunk_id, ranked[0].chunk_id]


def test_a_meeting_s_floor_never_raises_the_bar():
    from search_app.answers import MEETING_CONFIDENCE, answer_floor

    candidate = _candidate("The Tenth Senior Officials Meeting was held in Yogyakarta.", "2022-11-16", 1.0, "c")
    question = "Where was the Tenth Senior Officials Meeting held?"
    assert answer_floor(question, candidate, 0.5) == MEETING_CONFIDENCE
    assert answer_floor(question, candidate, 0.1) == 0.1
    assert answer_floor("Where was the meeting held?", candidate, 0.5) == 0.5
