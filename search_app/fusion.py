"""Fusing the dense and keyword candidate lists into one ranking.

Chosen by bench/tune_fusion.py on SciFact claims outside the test qrels and on our own
questions: a convex sum of min-max normalised scores, half dense, half keyword, beat every
reciprocal-rank variant tried on both (dev nDCG@10 0.882 against at best 0.879, own hit@1 0.717
against at best 0.683). RRF stays selectable.
"""

from __future__ import annotations

import heapq

# Candidates fetched from each side before fusion: enough that paging a few pages deep
# and dropping overlapping chunks still leaves k results.
MIN_CANDIDATES = 100
# The convex sum's share of the dense side; RRF's constant and weights.
CONVEX_DENSE_WEIGHT = 0.5
RRF_K = 60
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.5


def fuse_rrf(dense: dict[int, float], keyword: dict[int, float], k: float = RRF_K,
             keyword_weight: float = KEYWORD_WEIGHT) -> dict[int, float]:
    """Reciprocal rank fusion: each list adds weight / (k + rank) for the ids it ranks."""
    fused: dict[int, float] = {}
    for weight, scores in ((DENSE_WEIGHT, dense), (keyword_weight, keyword)):
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        for rank, (cid, _) in enumerate(ranked, start=1):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank)
    return fused


def fuse_convex(dense: dict[int, float], keyword: dict[int, float], dense_weight: float = CONVEX_DENSE_WEIGHT) -> dict[int, float]:
    """A weighted sum of scores, each list min-max normalised over its best MIN_CANDIDATES
    (so the scale does not move when paging fetches deeper lists, and pages stay consistent);
    an id missing from a list gets 0 there."""
    fused: dict[int, float] = {}
    for weight, scores in ((dense_weight, dense), (1.0 - dense_weight, keyword)):
        if not scores:
            continue
        top = heapq.nlargest(MIN_CANDIDATES, scores.values())
        low, high = top[-1], top[0]
        span = high - low
        for cid, score in scores.items():
            fused[cid] = fused.get(cid, 0.0) + weight * ((score - low) / span if span > 0 else 1.0)
    return fused


class ConvexFusion:
    """The product's fusion: `fuse_convex` at a dense share."""

    def __init__(self, dense_weight: float = CONVEX_DENSE_WEIGHT):
        self.dense_weight = dense_weight

    def fuse(self, dense: dict[int, float], keyword: dict[int, float]) -> dict[int, float]:
        return fuse_convex(dense, keyword, self.dense_weight)


class RrfFusion:
    """Reciprocal rank fusion, kept selectable (bench/tune_fusion.py compares the two)."""

    def __init__(self, k: float = RRF_K, keyword_weight: float = KEYWORD_WEIGHT):
        self.k, self.keyword_weight = k, keyword_weight

    def fuse(self, dense: dict[int, float], keyword: dict[int, float]) -> dict[int, float]:
        return fuse_rrf(dense, keyword, self.k, self.keyword_weight)
