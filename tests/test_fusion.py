"""Hybrid fusion: the properties the ranking relies on."""

from __future__ import annotations

from search_app.fusion import MIN_CANDIDATES, fuse_convex, fuse_rrf


def _scores(n: int, offset: int = 0, scale: float = 1.0) -> dict[int, float]:
    return {offset + i: scale * (n - i) for i in range(n)}


def test_convex_puts_what_both_sides_rank_first_on_top():
    dense = {1: 0.9, 2: 0.8, 3: 0.1}
    keyword = {2: 12.0, 4: 11.0, 3: 1.0}
    fused = fuse_convex(dense, keyword, dense_weight=0.5)
    assert max(fused, key=fused.get) == 2
    assert set(fused) == {1, 2, 3, 4}  # an id found by one side only still takes part


def test_convex_ignores_the_scale_of_each_side():
    dense, keyword = {1: 0.9, 2: 0.5}, {1: 3.0, 2: 30.0}
    a = fuse_convex(dense, keyword, 0.5)
    b = fuse_convex({k: v * 100 for k, v in dense.items()}, {k: v / 7 for k, v in keyword.items()}, 0.5)
    assert a == b or all(abs(a[k] - b[k]) < 1e-9 for k in a)


def test_convex_scores_do_not_move_when_a_deeper_list_is_fetched():
    # Paging fetches deeper candidate lists; the scores of the best ones must not change,
    # or page 2 could repeat or skip what page 1 showed.
    shallow = fuse_convex(_scores(MIN_CANDIDATES), _scores(MIN_CANDIDATES, 50, 3.0))
    deep = fuse_convex(_scores(3 * MIN_CANDIDATES), _scores(3 * MIN_CANDIDATES, 50, 3.0))
    for cid in range(MIN_CANDIDATES // 2):
        assert abs(shallow[cid] - deep[cid]) < 1e-9


def test_convex_with_one_side_empty_keeps_the_other_sides_order():
    fused = fuse_convex({1: 0.2, 2: 0.9, 3: 0.5}, {})
    assert sorted(fused, key=fused.get, reverse=True) == [2, 3, 1]


def test_rrf_depends_on_ranks_only():
    a = fuse_rrf({1: 0.9, 2: 0.1}, {2: 100.0, 1: 99.0})
    b = fuse_rrf({1: 0.5, 2: 0.4}, {2: 2.0, 1: 1.0})
    assert a == b



def test_hybrid_with_an_executor_ranks_exactly_as_without(tmp_path, fake_embedder, tiny_corpus):
    from concurrent.futures import ThreadPoolExecutor

    from indexer.build import build_index
    from indexer.generation import open_current
    from search_app.requests import SearchRequest
    from search_app.searcher import Searcher

    build_index(tiny_corpus, tmp_path / "index", fake_embedder)
    generation = open_current(tmp_path / "index")
    with ThreadPoolExecutor(2) as pool:
        for query in ("labour trafficking", "forced criminality in scam compounds", "policy guides"):
            request = SearchRequest(query, k=5)
            alone = Searcher(generation, fake_embedder).search(request)
            beside = Searcher(generation, fake_embedder, executor=pool).search(request)
            assert [(h.chunk_id, h.score) for h in beside.hits] == [(h.chunk_id, h.score) for h in alone.hits]
