"""The keyword side's FTS5 fallback (generations built before the impact index): safe FTS5
queries, and a bounded cost on large indexes. The impact index: tests/test_bm25.py."""

from __future__ import annotations

from search_app.keywords import fts_parts, fts_query


def fts_searcher(index, embedder):
    """A Searcher whose keyword side is FTS5, as for a generation without an impact index."""
    from indexer.generation import open_current
    from search_app.searcher import Searcher

    from search_app.keywords import FtsRetriever

    searcher = Searcher(open_current(index), embedder)
    searcher.keyword = FtsRetriever(searcher.generation, searcher.stats)
    searcher.stats.impact = None
    return searcher


def test_a_large_index_leaves_its_commonest_query_words_to_the_dense_side(tmp_path, fake_embedder, monkeypatch):
    from indexer.build import build_index
    from indexer.generation import open_current
    from search_app import keywords
    from search_app.requests import SearchRequest
    from search_app.searcher import Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        extra = " The quokka census was discussed." if i == 3 else ""
        (corpus / f"2020-01-0{i + 1}-s{i}.txt").write_text(f"Trafficking in persons remains a concern, report {i}.{extra}\n")
    build_index(corpus, tmp_path / "index", fake_embedder)
    searcher = fts_searcher(tmp_path / "index", fake_embedder)
    request = SearchRequest("trafficking quokka", k=10, mode="keyword")
    assert len(searcher.search(request).hits) == 6  # small index: every word counts

    monkeypatch.setattr(keywords, "KEYWORD_ROW_BUDGET", 2)  # the index now counts as large
    # The impact index scores every word at any size: no budget.
    assert len(Searcher(open_current(tmp_path / "index"), fake_embedder).search(request).hits) == 6
    searcher = fts_searcher(tmp_path / "index", fake_embedder)
    assert searcher.stats.document_frequency('"trafficking"') == 6
    hits = searcher.search(request).hits
    assert [h.citation.source for h in hits] == ["2020-01-04-s3.txt"]  # only the rare word was scored
    # A query of common words only still keeps its rarest word.
    assert len(searcher.search(SearchRequest("trafficking", k=10, mode="keyword")).hits) == 6


def test_fts_parts_quote_everything_and_skip_stopword_parts():
    assert fts_parts('AND OR NOT ( "') == ['"not"']
    assert fts_parts("and OR") == ['"and"', '"or"']  # only stopwords: keep them
    assert fts_parts("up-to-date TEG-RR") == ['"up to date"', '"date"', '"teg rr"', '"teg"', '"rr"']
    assert fts_query("") is None
    assert fts_parts("JCLEC", ("Jakarta Centre for Law Enforcement Cooperation",))[0] == \
        '"Jakarta Centre for Law Enforcement Cooperation"'


def test_a_word_is_known_by_any_index_term_it_begins(tiny_corpus, tmp_path, fake_embedder):
    from indexer.build import build_index
    from indexer.generation import open_current
    from search_app.searcher import Searcher

    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    with_impact = Searcher(open_current(tmp_path / "index"), fake_embedder).stats
    without = fts_searcher(tmp_path / "index", fake_embedder).stats
    for stats in (with_impact, without):
        assert stats.has_prefix("bangk") and stats.has_prefix("unhc")
        assert not stats.has_prefix("chiang") and not stats.has_prefix("zzz")
