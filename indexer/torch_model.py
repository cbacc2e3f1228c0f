"""The bundled all-MiniLM-L6-v2 run by sentence-transformers (torch): the reference the ONNX
backend is checked against, the backend of STATEMENT_SEARCH_EMBEDDER=minilm-torch, and, under
torch's bf16 CPU autocast, of minilm-bf16 (fast where the CPU has AMX or AVX512-BF16; emulated,
and several times slower, where it has neither: bench/precision.py measures it)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Sequence

import numpy as np

from .embedder import BATCH_SIZE, MODEL_NAME, BatchEmbedder, bundled_model_path
from .pooling import pool_spans, unit_rows


class SentenceTransformerEmbedder(BatchEmbedder):
    """The bundled all-MiniLM-L6-v2, loaded from site-packages only."""

    name = MODEL_NAME

    def __init__(self, model_path: Path | None = None, batch_size: int = BATCH_SIZE, device: str = "cpu",
                 precision: str = "fp32", name: str | None = None):
        # Imported here so that commands which embed nothing never pay for torch.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise in build output

        self.model_path = Path(model_path) if model_path else bundled_model_path()
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension())
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")
        self.precision = precision
        self.name = name or MODEL_NAME  # the precision's own name (embedders.py), so indexes never mix them

    def _precision(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def encode_batch(self, texts: list[str], spans: list[Sequence[tuple[int, int]]] | None):
        """encode() for the vectors; with spans, its token states mean-pooled (what encode()
        computes) and, span by span, each sentence's."""
        if spans is None:
            with self._precision():
                vectors = self.model.encode(texts, batch_size=len(texts), convert_to_tensor=True, show_progress_bar=False)
            return unit_rows(vectors.float().cpu().numpy()), None
        with self._precision():
            states = self.model.encode(texts, batch_size=len(texts), output_value="token_embeddings", show_progress_bar=False)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        pooled = []
        for row, (text, tokens, text_spans) in enumerate(zip(texts, states, spans)):
            tokens = tokens.float().cpu().numpy()
            vectors[row] = unit_rows(tokens.mean(axis=0, keepdims=True))[0]
            # encode() does not return offsets: tokenise once more for them.
            offsets = self.model.tokenizer(text, return_offsets_mapping=True, truncation=True,
                                           max_length=self.model.max_seq_length)["offset_mapping"]
            pooled.append(pool_spans(tokens, offsets, text_spans))
        return vectors, pooled
