"""Pooling token states into vectors: the whole text's mean (what sentence-transformers'
all-MiniLM-L6-v2 computes) and the mean of the tokens inside each character span (a
sentence read in its passage's context). Shared by every encoder backend."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (a zero row stays zero), as float32."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-norm mean of each row's token states where `mask` is 1 (batch x tokens x dim)."""
    weights = mask[..., None].astype(np.float32)
    return unit_rows((states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))


def pool_spans(states: np.ndarray, offsets, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean of the token states inside each character span (special and padding tokens
    have empty offsets and never count); a span without tokens gets a zero row."""
    starts = np.array([a for a, _ in offsets], dtype=np.int64)
    ends = np.array([b for _, b in offsets], dtype=np.int64)
    real = ends > starts
    out = np.zeros((len(spans), states.shape[-1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        if inside.any():
            out[k] = states[: len(offsets)][inside].mean(axis=0)
    return unit_rows(out)
