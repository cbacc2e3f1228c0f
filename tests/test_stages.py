"""A search is a chain of stages: retrieve -> fuse -> rerank -> trim -> page -> cite. A new
stage is one class and one line of wiring (Stages(rerankers=...)), in the library and in the app."""

from __future__ import annotations

from dataclasses import replace

import pytest

from indexer.build import build_index
from indexer.generation import open_current
from search_app.fusion import RrfFusion
from search_app.requests import SearchRequest
from search_app.results import Candidate
from search_app.searcher import Searcher, Stages

from .apptools import app_client


class Reverse:
    """A test stage: the fused ranking upside down."""

    def rerank(self, query, candidates, generation):
        return list(reversed(candidates))


class BoostDocument:
    """A test stage that reads the generation: chunks of one document first."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.seen: list[str] = []

    def rerank(self, query, candidates, generation):
        self.seen.append(query.text)
        spans = generation.chunk_spans([c.chunk for c in candidates])
        boosted = [replace(c, score=c.score + 10) if spans[c.chunk].doc_id == self.doc_id else c for c in candidates]
        return sorted(boosted, key=lambda c: -c.score)


@pytest.fixture
def generation(tiny_corpus, tmp_path, fake_embedder):
    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    return open_current(tmp_path / "index")


def ranked(searcher: Searcher, query: str, mode: str = "hybrid") -> list[str]:
    return [h.chunk_id for h in searcher.search(SearchRequest(query, k=100, mode=mode)).hits]


def test_a_reranking_stage_is_one_class_and_one_line(generation, fake_embedder):
    plain = Searcher(generation, fake_embedder)
    reversed_ = Searcher(generation, fake_embedder, Stages(rerankers=(Reverse(),)))
    request = SearchRequest("trafficking victims protection", mode="semantic")
    fused = plain.candidates(plain.preparer.prepare(request.query), "semantic", 100, plain.scope(request))
    worst = generation.chunk_spans([fused[-1].chunk])[fused[-1].chunk].chunk_id
    before, after = ranked(plain, request.query, "semantic"), ranked(reversed_, request.query, "semantic")
    assert before[0] != worst and after[0] == worst


def test_stages_run_in_order_and_see_the_prepared_query(generation, fake_embedder):
    boost = BoostDocument("2016-03-22-statement-a")
    searcher = Searcher(generation, fake_embedder, Stages(rerankers=(boost, )))
    hits = searcher.search(SearchRequest("Bangkok scam compounds", k=3)).hits
    assert hits[0].citation.doc_id == "2016-03-22-statement-a"
    assert boost.seen == ["Bangkok scam compounds"]
    # Reverse after the boost puts the boosted document last.
    both = Searcher(generation, fake_embedder, Stages(rerankers=(BoostDocument("2016-03-22-statement-a"), Reverse())))
    assert both.search(SearchRequest("Bangkok scam compounds", k=100)).hits[-1].citation.doc_id == "2016-03-22-statement-a"


def test_the_fusion_is_a_stage_too(generation, fake_embedder):
    convex = Searcher(generation, fake_embedder)
    rrf = Searcher(generation, fake_embedder, Stages(fusion=RrfFusion(), rerankers=()))
    request = SearchRequest("labour trafficking in the region", k=5)
    assert [h.score for h in convex.search(request).hits] != [h.score for h in rrf.search(request).hits]
    assert all(h.score < 0.1 for h in rrf.search(request).hits)  # reciprocal ranks are small


def test_retrievers_can_be_wrapped(generation, fake_embedder):
    searcher = Searcher(generation, fake_embedder)
    calls = []
    dense = searcher.dense

    class Counting:
        name = "dense"

        def retrieve(self, query, n, scope):
            calls.append((query.text, n, scope.ids is None))
            return dense.retrieve(query, n, scope)

    searcher.dense = Counting()
    searcher.search(SearchRequest("trafficking", k=3))
    searcher.search(SearchRequest("trafficking", k=3, docs=("2016-03-22-statement-a",)))
    assert calls == [("trafficking", 100, True), ("trafficking", 100, False)]


def test_a_candidate_carries_each_retrievers_own_score(generation, fake_embedder):
    searcher = Searcher(generation, fake_embedder)
    query = searcher.preparer.prepare("trafficking")
    candidates = searcher.candidates(query, "hybrid", 100, searcher.scope(SearchRequest("trafficking")))
    assert candidates == sorted(candidates, key=lambda c: (-c.score, c.chunk))
    assert all(isinstance(c, Candidate) for c in candidates)
    assert any(c.dense is not None and c.keyword is not None for c in candidates)


def test_the_app_takes_its_stages(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    from .apptools import build

    build(tiny_corpus, index)
    with app_client(tiny_corpus, index) as client:
        plain = client.get("/api/search", params={"q": "trafficking", "k": 20, "mode": "semantic"}).json()["results"]
    with app_client(tiny_corpus, index, stages=Stages(rerankers=(Reverse(),))) as client:
        flipped = client.get("/api/search", params={"q": "trafficking", "k": 20, "mode": "semantic"}).json()["results"]
    assert [r["chunk_id"] for r in flipped] != [r["chunk_id"] for r in plain]


def test_a_server_searches_faiss_on_one_thread_in_whichever_thread_asks(generation, fake_embedder):
    """OpenMP keeps its thread count per calling thread: the setting must travel with the search."""
    import threading

    import faiss

    from search_app.searcher import SERVER_STAGES

    searcher = Searcher(generation, fake_embedder, SERVER_STAGES)
    seen = []

    def search():
        searcher.search(SearchRequest("trafficking", k=3, mode="semantic"))
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    assert seen == [1]


def two_statements_of_one_thing(tmp_path, fake_embedder, titles: dict[str, str]):
    """Statements (file name -> title) that say the same with other figures, beside five others
    so that fusion's min-max normalisation has a range to spread them over; the generation."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    same = "The Working Group counted {n} members and agreed to meet again next year in the region."
    for n, (name, title) in enumerate(titles.items(), start=38):
        (corpus / name).write_text(f"{title}\n\n" + same.format(n=n) + "\n")
    for i, topic in enumerate(["fisheries supply chains", "online scam compounds", "border management",
                               "victim referral toolkits", "returns and reintegration"]):
        (corpus / f"2021-0{i + 1}-01-other-{i}.txt").write_text(f"Members discussed {topic} at length.\n")
    build_index(corpus, tmp_path / "index", fake_embedder)
    return open_current(tmp_path / "index")


def test_a_question_naming_a_year_or_meeting_prefers_that_statement(tmp_path, fake_embedder):
    from search_app.rerankers import DocumentMatch, named_occasion

    generation = two_statements_of_one_thing(tmp_path, fake_embedder, {
        "2019-05-01-fifth-annual-meeting.txt": "Fifth Annual Meeting", "2023-05-01-ninth-annual-meeting.txt": "Ninth Annual Meeting"})
    assert named_occasion("At the Ninth Annual Meeting in 2023, how many members?") == ["2023", "ninth annual meeting"]
    plain = Searcher(generation, fake_embedder, Stages(rerankers=()))
    matched = Searcher(generation, fake_embedder, Stages(rerankers=(DocumentMatch(),)))
    for year, doc in (("2019", "2019-05-01-fifth-annual-meeting"), ("2023", "2023-05-01-ninth-annual-meeting")):
        request = SearchRequest(f"How many members did the Working Group count in {year}?", k=2)
        assert matched.search(request).hits[0].citation.doc_id == doc
    # A question that names no occasion is left as fusion ranked it.
    request = SearchRequest("How many members did the Working Group count?", k=2)
    assert [h.chunk_id for h in matched.search(request).hits] == [h.chunk_id for h in plain.search(request).hits]


def test_a_month_with_its_year_or_a_meeting_s_acronym_names_one_statement_of_several(tmp_path, fake_embedder):
    from search_app.rerankers import DocumentMatch, named_occasion

    generation = two_statements_of_one_thing(tmp_path, fake_embedder, {
        "2023-03-01-intersessional.txt": "Intersessional Meeting",
        "2023-11-01-senior-officials.txt": "Sixth Senior Officials Meeting"})
    matched = Searcher(generation, fake_embedder, Stages(rerankers=(DocumentMatch(),)))
    assert named_occasion("In March 2023, how many members?") == ["march 2023"]
    assert named_occasion("At the sixth SOM, how many members?") == ["sixth som"]
    # A year after "since" or "until" bounds a period: it names no statement.
    assert named_occasion("In March 2023, how many were trained since 2012?") == ["march 2023"]
    assert named_occasion("Why had arrivals risen since late 2008, said ministers in 2009?") == ["2009"]
    assert named_occasion("How many joined until mid-2021?") == []
    assert named_occasion("What changed since the 2012 meeting, till March 2014?") == []
    assert named_occasion("Since in 2023 the ministers met, who chaired?") == ["2023"]
    for question, doc in (("How many members did the Working Group count in March 2023?", "2023-03-01-intersessional"),
                          ("How many members did the Working Group count in November 2023?", "2023-11-01-senior-officials"),
                          ("How many members did the Working Group count at the sixth SOM?", "2023-11-01-senior-officials")):
        assert matched.search(SearchRequest(question, k=2)).hits[0].citation.doc_id == doc, question


def test_a_passage_with_a_sentence_saying_what_the_query_says_moves_up(tmp_path, fake_embedder):
    from search_app.rerankers import SentenceMatch

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topic = "Members discussed border management and regional cooperation on returns at length. "
    # One statement repeats the query's words all over; the other says it in one sentence.
    (corpus / "2020-01-01-diffuse.txt").write_text(
        "Members discussed the screening toolkit, victim screening and the toolkit launch plans in Kuala and Lumpur. " * 2)
    (corpus / "2021-01-01-pointed.txt").write_text(
        topic * 2 + "The victim screening toolkit was launched in Kuala Lumpur. " + topic * 2)
    for i, other in enumerate(["fisheries supply chains", "online scam compounds", "labour migration"]):
        (corpus / f"2019-0{i + 1}-01-other-{i}.txt").write_text(f"Delegates discussed {other} in detail.\n")
    build_index(corpus, tmp_path / "index", fake_embedder)
    generation = open_current(tmp_path / "index")
    query = "The victim screening toolkit was launched in Kuala Lumpur"
    plain = Searcher(generation, fake_embedder, Stages(rerankers=()))
    matched = Searcher(generation, fake_embedder, Stages(rerankers=(SentenceMatch(3.0),)))
    assert plain.search(SearchRequest(query, k=1)).hits[0].citation.doc_id == "2020-01-01-diffuse"
    assert matched.search(SearchRequest(query, k=1)).hits[0].citation.doc_id == "2021-01-01-pointed"
    # Keyword search has no query vector: the stage leaves it as ranked.
    request = SearchRequest(query, k=5, mode="keyword")
    assert [h.chunk_id for h in matched.search(request).hits] == [h.chunk_id for h in plain.search(request).hits]


def test_a_question_asking_for_the_latest_prefers_the_newest_statement(tmp_path, fake_embedder):
    from search_app.rerankers import DocumentMatch, asks_for_latest

    # The older statement's title repeats the question's words: fusion alone ranks it first.
    generation = two_statements_of_one_thing(tmp_path, fake_embedder, {
        "2019-05-01-annual-meeting.txt": "Working Group member count", "2024-05-01-annual-meeting.txt": "Annual Meeting"})
    assert asks_for_latest("What is the latest member count?") and asks_for_latest("How many members now?")
    assert not asks_for_latest("How many members did the Working Group count?")
    matched = Searcher(generation, fake_embedder, Stages(rerankers=(DocumentMatch(recency=0.0),)))
    plain = Searcher(generation, fake_embedder, Stages(rerankers=()))
    for question in ("How many members does the Working Group currently count?",
                     "What is the most recent count of members of the Working Group?"):
        assert plain.search(SearchRequest(question, k=1)).hits[0].citation.doc_id == "2019-05-01-annual-meeting"
        assert matched.search(SearchRequest(question, k=1)).hits[0].citation.doc_id == "2024-05-01-annual-meeting"
    request = SearchRequest("How many members did the Working Group count?", k=2)
    assert [h.chunk_id for h in matched.search(request).hits] == [h.chunk_id for h in plain.search(request).hits]
