"""The bundled all-MiniLM-L6-v2 run by sentence-transformers (torch): the reference the ONNX
backend is checked against, the backend of STATEMENT_SEARCH_EMBEDDER=minilm-torch, and, with
its weights in bfloat16, of minilm-bf16 (fast where the CPU has AMX or AVX512-BF16; emulated,
and several times slower, where it has neither: bench/precision.py measures it).

bf16 weights rather than torch's autocast, measured on an AMX Xeon: the SciFact build in 0.457x
plain encode's time against autocast's 0.483x (bench/build_speed.py --embedder minilm-bf16), one
query encoded in 6.6 ms against autocast's 12.2 (bench/http_speed.py; autocast casts every weight
again on every call; our fp32 ONNX encoder 3.3), vectors within cosine 0.99992 of fp32 (autocast
0.99997; 256 abstracts). Search quality is fp32's (bench/results/quality-test-bf16.json)."""

from __future__ import annotations

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
        if precision == "bf16":
            import torch

            self.model.to(torch.bfloat16)
        self.precision = precision
        self.name = name or MODEL_NAME  # the precision's own name (embedders.py), so indexes never mix them

    def encode_batch(self, texts: list[str], spans: list[Sequence[tuple[int, int]]] | None):
        """encode() for the vectors; with spans, its token states mean-pooled (what encode()
        computes) and, span by span, each sentence's."""
        if spans is None:
            vectors = self.model.encode(texts, batch_size=len(texts), convert_to_tensor=True, show_progress_bar=False)
            return unit_rows(vectors.float().cpu().numpy()), None
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
