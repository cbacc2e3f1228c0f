"""The model's own vocabulary vectors (its input embedding table), which the answer picker's
word-by-word alignment reads (search_app/alignment.py): a word's vector is the mean of its
word pieces' rows, so no encoder pass is needed (a passage's words in well under a millisecond,
against 10-20 ms to read one sentence in context on these 2-core machines). Measured on our development questions:
they tell right answers from near-miss ones nearly as well as the encoder's contextual states
(AUC 0.70 against 0.71; from wrong sentences 0.76 against 0.78).

The table is read from the bundled weights on first use (30,522 x 384 floats, ~47 MB): a build
never loads it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .pooling import unit_rows

# Words whose pieces are remembered (a few dozen bytes each): a collection repeats its vocabulary.
PIECES_CACHE_SIZE = 200_000


class StaticWordVectors:
    """Unit-norm vocabulary vectors of the words of a text, by the model's tokenizer. Thread-safe."""

    def __init__(self, model_path: Path):
        from safetensors import safe_open
        from tokenizers import Tokenizer

        with safe_open(str(Path(model_path) / "model.safetensors"), framework="np") as weights:
            key = next(k for k in weights.keys() if k.endswith("word_embeddings.weight"))
            self.table = np.asarray(weights.get_tensor(key), dtype=np.float32)
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._pieces: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def vectors(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """One row per word span of `text`: the mean of the rows of the word's pieces (a word
        is cut into the same pieces alone as in its sentence; one without pieces gets a zero row)."""
        words = [text[a:b] for a, b in spans]
        with self._lock:
            pieces = [self._pieces.get(w) for w in words]
        missing = list(dict.fromkeys(w for w, p in zip(words, pieces) if p is None))
        if missing:
            found = {w: e.ids for w, e in zip(missing, self.tokenizer.encode_batch(missing, add_special_tokens=False))}
            with self._lock:
                if len(self._pieces) + len(found) > PIECES_CACHE_SIZE:
                    self._pieces.clear()
                self._pieces.update(found)
            pieces = [p if p is not None else found[w] for w, p in zip(words, pieces)]
        out = np.zeros((len(words), self.table.shape[1]), dtype=np.float32)
        lengths = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        if not lengths.sum():
            return out
        rows = self.table[np.fromiter((i for p in pieces for i in p), dtype=np.int64, count=int(lengths.sum()))]
        has = np.flatnonzero(lengths)
        # Each word's pieces are one run of rows: sum the runs at once.
        out[has] = np.add.reduceat(rows, (np.cumsum(lengths) - lengths)[has], axis=0)
        return unit_rows(out)
