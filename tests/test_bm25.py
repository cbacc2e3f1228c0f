"""The BM25 impact index: terms as FTS5 made them, built into each generation, searched exactly
(the early stop included), filtered, shared by threads, and FTS5 when a generation lacks it."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from indexer.bm25 import BM25Params, KeywordRow, build_impact_index
from indexer.build import build_index
from indexer.errors import CorruptIndex
from indexer.generation import open_current
from indexer.layout import KEYWORDS, MANIFEST, IndexDir
from indexer.terms import extract_terms
from search_app.keywords import ImpactRetriever, WordStats, impact_weights
from search_app.requests import SearchRequest
from search_app.searcher import Searcher

TEG_DEFINED = "Members welcomed the Technical Experts Group on Returns and Reintegration (TEG-RR) and its work plan.\n"
TEG_APART = "The teg of the rr: a note on returns, teg and rr, teg and rr again, with reintegration.\n"


def keyword_hits(searcher: Searcher, query: str, **filters) -> list[str]:
    return [h.citation.source for h in searcher.search(SearchRequest(query, k=10, mode="keyword", **filters)).hits]


def strip_impact_index(index: Path) -> Path:
    """Make the live generation look built before the impact index existed."""
    live = IndexDir(index).current_path()
    shutil.rmtree(live / KEYWORDS)
    manifest = json.loads((live / MANIFEST).read_text())
    del manifest["keywords"]
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith(KEYWORDS + "/")}
    (live / MANIFEST).write_text(json.dumps(manifest))
    return live


@pytest.fixture
def built(tiny_corpus, tmp_path, fake_embedder):
    (tiny_corpus / "2019-06-01-teg-defined.txt").write_text(TEG_DEFINED)
    (tiny_corpus / "2019-06-02-teg-apart.txt").write_text(TEG_APART)
    index = tmp_path / "index"
    build_index(tiny_corpus, index, fake_embedder)
    return tiny_corpus, index


# ------------------------------------------------------------------ terms


def test_terms_are_lower_case_stems_without_diacritics_or_stopwords():
    assert extract_terms("The Co-Chairs' statements on Trafficking in Persons") == \
        ["co", "chair", "statement", "traffick", "person", "co-chair"]
    assert extract_terms("Café naïve TIMOR-LESTE") == ["cafe", "naiv", "timor", "lest", "timor-lest"]
    assert extract_terms("Bangladesh's snake_case 2016") == ["bangladesh", "snake", "case", "2016"]
    assert extract_terms('AND OR NOT ( " * ^ :') == ["not"]
    assert extract_terms("") == [] and extract_terms("the of and") == []
    assert extract_terms("up-to-date") == ["date", "up-to-date"]  # the parts that are not stopwords, and the whole


def test_query_weights_count_each_term_once_and_expansions_less():
    weights = impact_weights("TEG-RR teg", ("Technical Experts Group on Returns",))
    assert weights["teg-rr"] == weights["teg"] == weights["rr"] == 1.0
    assert 0 < weights["expert"] < 1.0 and "on" not in weights


# ------------------------------------------------------------------ built and searched


def keyword_search(searcher: Searcher, request: SearchRequest, n: int = 10) -> dict[int, float]:
    """The keyword retriever alone, on the request's prepared query and scope."""
    return searcher.keyword.retrieve(searcher.preparer.prepare(request.query), n, searcher.scope(request))


def test_a_build_writes_the_impact_index_and_keyword_search_uses_it(built, fake_embedder):
    corpus, index = built
    generation = open_current(index)
    info = generation.manifest["keywords"]
    assert info["chunks"] == generation.counts()["chunks"] == generation.keyword_index.chunk_count
    assert info["params"] == BM25Params().as_dict() and info["postings"] > info["terms"] > 0
    assert {f"{KEYWORDS}/data.npy", f"{KEYWORDS}/vocab.json"} <= set(generation.manifest["files"])
    searcher = Searcher(generation, fake_embedder)
    assert isinstance(searcher.keyword, ImpactRetriever) and searcher.keyword.impact is generation.keyword_index
    # The ids are the SQLite chunk ids (and FAISS ids) the rest of the searcher reads.
    found = keyword_search(searcher, SearchRequest("trafficking", mode="keyword"))
    chunks = generation.chunks(found)
    assert found and all("traffick" in chunks[i].text.lower() for i in found)
    assert all(score > 0 for score in found.values())


def test_a_hyphenated_acronym_ranks_the_passage_that_names_it_first(built, fake_embedder):
    _, index = built
    searcher = Searcher(open_current(index), fake_embedder)
    hits = keyword_hits(searcher, "TEG-RR")
    assert hits[0] == "2019-06-01-teg-defined.txt" and "2019-06-02-teg-apart.txt" in hits


def test_filters_hold_in_keyword_and_hybrid_mode(built, fake_embedder):
    _, index = built
    searcher = Searcher(open_current(index), fake_embedder)
    assert set(keyword_hits(searcher, "trafficking")) >= {"2016-03-22-statement-a.txt", "2023-11-07-statement-b.md"}
    assert set(keyword_hits(searcher, "trafficking", docs=("2023-11-07-statement-b",))) == {"2023-11-07-statement-b.md"}
    assert set(keyword_hits(searcher, "trafficking", date_to=date(2020, 1, 1))) == {"2016-03-22-statement-a.txt"}
    # The long form's words ("returns and reintegration") still find statement B after 2023.
    assert set(keyword_hits(searcher, "TEG-RR", date_from=date(2023, 1, 1))) == {"2023-11-07-statement-b.md"}
    hybrid = searcher.search(SearchRequest("trafficking", k=10, docs=("2016-03-22-statement-a",)))
    assert {h.citation.doc_id for h in hybrid.hits} == {"2016-03-22-statement-a"}
    # The retriever alone keeps to the scope the filters leave.
    request = SearchRequest("trafficking", mode="keyword", docs=("2023-11-07-statement-b",))
    ids = keyword_search(searcher, request)
    assert ids and {c.doc_id for c in searcher.generation.chunks(ids).values()} == {"2023-11-07-statement-b"}


@pytest.mark.parametrize("query", ["zzyzx qwerty", "the of and", "!!! ???", "*", '"'])
def test_a_query_with_no_known_words_finds_nothing_in_keyword_mode(built, fake_embedder, query):
    _, index = built
    searcher = Searcher(open_current(index), fake_embedder)
    assert keyword_search(searcher, SearchRequest(query, mode="keyword")) == {}
    assert searcher.search(SearchRequest(query, k=5, mode="hybrid")).hits  # the dense side still answers


def test_word_statistics_come_from_the_impact_index(built, fake_embedder):
    _, index = built
    generation = open_current(index)
    keywords = WordStats(generation)
    holding = sum("trafficking" in c.text.lower() for d in generation.documents() for c in generation.document_chunks(d.doc_id))
    assert keywords.document_frequency("trafficking") == keywords.document_frequency('"trafficking"') == holding
    assert keywords.document_frequency("TEG-RR") == 1  # the whole term, not its parts
    assert keywords.document_frequency("zzyzx") == 0
    assert keywords.document_frequency("the") > 0  # a stopword: FTS5 still counts it
    assert keywords.term_weight("teg") > keywords.term_weight("trafficking") > keywords.term_weight("the")


# ------------------------------------------------------------------ older generations


def test_a_generation_without_the_impact_index_is_searched_with_fts5(built, fake_embedder):
    _, index = built
    strip_impact_index(index)
    generation = open_current(index)
    assert generation.keyword_index is None
    searcher = Searcher(generation, fake_embedder)
    assert keyword_hits(searcher, "TEG-RR")[0] == "2019-06-01-teg-defined.txt"
    assert set(keyword_hits(searcher, "trafficking", docs=("2023-11-07-statement-b",))) == {"2023-11-07-statement-b.md"}
    assert searcher.stats.document_frequency('"trafficking"') >= 2


def test_an_impact_index_of_another_format_is_left_to_fts5(built, fake_embedder):
    _, index = built
    live = IndexDir(index).current_path()
    manifest = json.loads((live / MANIFEST).read_text())
    manifest["keywords"]["params"]["format"] = -1
    (live / MANIFEST).write_text(json.dumps(manifest))
    assert open_current(index).keyword_index is None


def test_a_truncated_impact_index_is_refused(built):
    _, index = built
    data = IndexDir(index).current_path() / KEYWORDS / "data.npy"
    data.write_bytes(data.read_bytes()[:-8])
    with pytest.raises(CorruptIndex, match="data.npy"):
        open_current(index)


def test_a_build_with_nothing_changed_adds_a_missing_impact_index_without_the_model(built, unloadable_embedder):
    corpus, index = built
    strip_impact_index(index)
    report = build_index(corpus, index, unloadable_embedder)
    assert report.published and report.chunks_embedded == 0 and "keyword index" in report.note
    assert open_current(index).keyword_index is not None
    assert not build_index(corpus, index, unloadable_embedder).published  # now it is current


def test_an_incremental_build_recomputes_the_impact_index(built, fake_embedder):
    corpus, index = built
    (corpus / "2024-01-01-quokka.txt").write_text("The quokka census was discussed at length.\n")
    build_index(corpus, index, fake_embedder)
    (corpus / "2019-06-01-teg-defined.txt").unlink()
    build_index(corpus, index, fake_embedder)
    generation = open_current(index)
    searcher = Searcher(generation, fake_embedder)
    assert keyword_hits(searcher, "quokka") == ["2024-01-01-quokka.txt"]
    assert "2019-06-01-teg-defined.txt" not in keyword_hits(searcher, "TEG-RR")
    assert generation.keyword_index.chunk_count == generation.counts()["chunks"]


# ------------------------------------------------------------------ the engine alone


def random_rows(n: int, seed: int = 0) -> list[KeywordRow]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    p = 1.0 / np.arange(1, 61)  # a few common words, many rare ones
    p /= p.sum()
    return [KeywordRow(10 + 3 * i, " ".join(rng.choice(words, rng.integers(3, 40), p=p)),
                       "heading w1" if i % 5 == 0 else None, f"title w{i % 7}") for i in range(n)]


def brute_force(index, weights: dict[str, float], allowed=None) -> dict[int, float]:
    scores = np.zeros(index.chunk_count)
    for term, weight in weights.items():
        t = index.terms.get(term)
        if t is not None:
            lo, hi = index.indptr[t], index.indptr[t + 1]
            scores[index.indices[lo:hi]] += weight * index.data[lo:hi].astype(np.float64)
    keep = scores > 0
    if allowed is not None:
        keep &= np.isin(index.ids, allowed)
    return {int(index.ids[i]): scores[i] for i in np.flatnonzero(keep)}


@pytest.mark.parametrize("n", [1, 3, 10, 50])
def test_search_returns_exactly_the_best_chunks_even_when_it_stops_early(n):
    index = build_impact_index(random_rows(400))
    rng = np.random.default_rng(1)
    allowed = np.array([10 + 3 * i for i in range(0, 400, 3)] + [5, 10_000], dtype=np.int64)  # and ids it lacks
    for _ in range(60):
        terms = list(rng.choice([f"w{i}" for i in range(60)] + ["absent"], rng.integers(1, 8), replace=False))
        weights = {t: float(rng.choice([1.0, 0.5])) for t in terms}
        for mask in (None, allowed):
            ids, scores = index.search(weights, n, mask)
            expected = sorted(brute_force(index, weights, mask).items(), key=lambda kv: (-kv[1], kv[0]))[:n]
            assert len(ids) == len(expected)
            assert np.allclose(scores, [s for _, s in expected], rtol=1e-5)
            assert list(scores) == sorted(scores, reverse=True)
            assert len(set(ids.tolist())) == len(ids)


def test_threads_share_one_index_and_get_what_one_thread_gets():
    index = build_impact_index(random_rows(300))
    queries = [{f"w{i}": 1.0, f"w{(i * 7) % 60}": 1.0, "w1": 0.5} for i in range(60)]
    alone = [index.search(q, 10) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: index.search(q, 10), queries * 4))
    for i, (ids, scores) in enumerate(together):
        assert np.array_equal(ids, alone[i % len(queries)][0]) and np.allclose(scores, alone[i % len(queries)][1])


def test_field_weights_and_saving_and_loading(tmp_path):
    rows = [KeywordRow(1, "plain words here", "Visas", "A title"), KeywordRow(2, "visas and more visas", None, "Other")]
    only_text = build_impact_index(rows, BM25Params(heading=0.0, title=0.0))
    assert only_text.search({"visa": 1.0}, 5)[0].tolist() == [2]
    with_headings = build_impact_index(rows, BM25Params(heading=1.0))
    assert sorted(with_headings.search({"visa": 1.0}, 5)[0].tolist()) == [1, 2]
    info = with_headings.save(tmp_path / "kw")
    loaded = type(with_headings).load(tmp_path / "kw")
    assert info["chunks"] == 2 and loaded.params == with_headings.params
    for query in ({"visa": 1.0}, {"titl": 1.0, "word": 1.0}):
        assert [a.tolist() for a in loaded.search(query, 5)] == [a.tolist() for a in with_headings.search(query, 5)]


def test_an_empty_index_finds_nothing(tmp_path):
    for rows in ([], [KeywordRow(1, "", None, ""), KeywordRow(2, "the and of", None, "")]):
        index = build_impact_index(rows)
        assert index.postings == 0 and index.search({"anything": 1.0}, 10)[0].tolist() == []
        index.save(tmp_path / f"kw{len(rows)}")
        assert type(index).load(tmp_path / f"kw{len(rows)}").search({"x": 1.0}, 3)[0].tolist() == []
