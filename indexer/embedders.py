"""The registry of embedder kinds: which backend a setting (STATEMENT_SEARCH_EMBEDDER) names.

    minilm        the bundled all-MiniLM-L6-v2 on ONNX Runtime (exported once into the model cache)
    minilm-int8   the same export with int8 weights (ONNX Runtime dynamic quantization): faster on
                  most CPUs, vectors a little different, so it records its own model name
    minilm-torch  the same model on sentence-transformers: the same vectors (to ~1e-7) under the
                  same name, so an index built by one is searched by the other
    minilm-bf16   sentence-transformers with bf16 weights: on CPUs with AMX or AVX512-BF16 a
                  SciFact build in 0.46x plain encode's time with fp32's search quality, but a
                  query encoded in 6.6 ms against minilm's 3.2 and a 5 s cold start (torch);
                  emulated, ~7x slower, elsewhere. Its own model name, as for int8
    fake          deterministic hashing, no model (tests and demos)
    auto          chosen once per machine by its CPU: minilm-int8 where it has VNNI (AVX512-VNNI,
                  AVX-VNNI or AMX-INT8: int8 products in hardware), minilm elsewhere. On an AMX
                  Xeon int8 built SciFact in 0.46x plain encode's time (bf16 too) and encodes a
                  query in 1.9 ms (fp32 3.2, bf16 6.6) with fp32's held-out answer accuracy and
                  hybrid nDCG@10 (+0.0003), held-out hit@1 up to -0.033
                  (bench/results/quality-test-int8.json). bf16 is never
                  chosen for you: no faster to build there, slower to query, and torch at start.
                  The index records the kind chosen, so moving it to another kind of CPU is refused
                  with a clear message rather than searched with other vectors

A new backend registers itself with `@embedder_kind("name", MODEL)` on a factory; backends are
imported only when a factory runs, so naming a kind never loads torch or ONNX Runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .embedder import BATCH_SIZE, MODEL_NAME, Embedder, FakeEmbedder, LazyEmbedder, bundled_model_path
from .errors import ConfigError
from .host import cpu_flags, model_cache_dir

AUTO = "auto"
# CPU flags under which ONNX Runtime runs int8 matrix products in hardware (VNNI dot products, AMX
# tiles); without them int8 was 1.4-1.5x fp32's speed and its rounding differs (AVX2 saturates).
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


@dataclass(frozen=True)
class EmbedderOptions:
    batch_size: int = BATCH_SIZE
    model_cache: Path | None = None  # where derived model files (the ONNX export) are kept
    threads: int | None = None  # encoder threads (default: all cores), for processes sharing them
    spinning: bool = True  # ONNX Runtime's threads spin between runs (off: they sleep; see Settings)


@dataclass(frozen=True)
class EmbedderKind:
    name: str  # the model name indexes record; kinds with one name give the same vectors
    factory: Callable[[EmbedderOptions], Embedder]


_KINDS: dict[str, EmbedderKind] = {}


def embedder_kind(kind: str, model_name: str):
    """Register a factory under `kind` (decorator)."""

    def register(factory: Callable[[EmbedderOptions], Embedder]):
        _KINDS[kind] = EmbedderKind(model_name, factory)
        return factory

    return register


@embedder_kind("minilm", MODEL_NAME)
def _onnx(options: EmbedderOptions) -> Embedder:
    from .onnx_model import OnnxEmbedder

    cache = options.model_cache or model_cache_dir({})
    return OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, batch_size=options.batch_size, threads=options.threads,
                        spinning=options.spinning)


# int8 vectors differ from fp32 (cosine ~0.993), so the precision is part of the model name an
# index records: an index built with one is never searched with the other (a clear refusal),
# and switching re-embeds. Not the default (`auto` picks it where the CPU has VNNI): an index
# built with the default is searchable on any CPU with the same vectors.
INT8_MODEL_NAME = MODEL_NAME + "+int8"


@embedder_kind("minilm-int8", INT8_MODEL_NAME)
def _onnx_int8(options: EmbedderOptions) -> Embedder:
    from .onnx_model import OnnxEmbedder

    cache = options.model_cache or model_cache_dir({})
    # A query on one thread: about as fast as on two back to back, twice as fast after a pause
    # (OnnxEmbedder.embed_query; bench/results/query_threads.json). fp32 keeps all threads for
    # queries: one thread there is 2.7 ms slower back to back (5.88 against 3.15 ms) though 3.4
    # ms faster after a 0.2 s pause (7.86 against 11.27), and over HTTP the paused gain shrank
    # to ~1 ms while the back-to-back loss stayed.
    return OnnxEmbedder(bundled_model_path(), cache, INT8_MODEL_NAME, batch_size=options.batch_size,
                        threads=options.threads, precision="int8", query_threads=1, spinning=options.spinning)


BF16_MODEL_NAME = MODEL_NAME + "+bf16"


@embedder_kind("minilm-bf16", BF16_MODEL_NAME)
def _torch_bf16(options: EmbedderOptions) -> Embedder:
    from .torch_model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(batch_size=options.batch_size, precision="bf16", name=BF16_MODEL_NAME)


@embedder_kind("minilm-torch", MODEL_NAME)
def _torch(options: EmbedderOptions) -> Embedder:
    from .torch_model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(batch_size=options.batch_size)


@embedder_kind("fake", FakeEmbedder.name)
def _fake(options: EmbedderOptions) -> Embedder:
    return FakeEmbedder()


def embedder_kinds() -> tuple[str, ...]:
    return (*_KINDS, AUTO)


def auto_kind(flags: frozenset[str] | None = None) -> str:
    """The kind `auto` stands for on a CPU with these flags (this machine's by default)."""
    return "minilm-int8" if INT8_FLAGS & (cpu_flags() if flags is None else flags) else "minilm"


def embedder_name(kind: str) -> str:
    """The model name an index built with `kind` records, without loading anything."""
    return _found(kind).name


def _found(kind: str) -> EmbedderKind:
    found = _KINDS.get(auto_kind() if kind == AUTO else kind)
    if found is None:
        raise ConfigError(f"unknown embedder {kind!r} (STATEMENT_SEARCH_EMBEDDER must be one of {', '.join(_KINDS)})")
    return found


def make_embedder(kind: str, batch_size: int = BATCH_SIZE, model_cache: Path | None = None,
                  threads: int | None = None, spinning: bool = True) -> LazyEmbedder:
    """The embedder a setting names, not yet loaded."""
    found = _found(kind)
    options = EmbedderOptions(batch_size, model_cache, threads, spinning)
    return LazyEmbedder(lambda: found.factory(options), found.name)
