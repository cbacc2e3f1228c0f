"""The embedder base every backend shares (longest first, batches, progress once per batch, span
vectors with a fallback), and the registry of embedder kinds. The real backends: test_onnx_model."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.embedder import BatchEmbedder, FakeEmbedder
from indexer.embedders import embedder_kinds, make_embedder
from indexer.errors import ConfigError


class Recording(BatchEmbedder):
    """A backend that cannot pool spans and records the batches it was given."""

    name = "recording"
    dimension = 8

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.batches: list[list[str]] = []
        self.fake = FakeEmbedder(self.dimension)

    def encode_batch(self, texts, spans):
        self.batches.append(list(texts))
        return self.fake.encode_batch(texts, None)[0], None


def test_texts_go_longest_first_in_batches_and_come_back_in_order():
    texts = ["a", "bbbb bbbb", "cc", "ddd ddd ddd ddd", "ee"]
    backend = Recording(batch_size=2)
    ticks: list[int] = []
    vectors = backend.embed_documents(texts, progress=ticks.append)
    assert backend.batches == [["ddd ddd ddd ddd", "bbbb bbbb"], ["cc", "ee"], ["a"]]
    assert ticks == [2, 2, 1]
    fake = FakeEmbedder(8)
    assert np.allclose(vectors, np.stack([fake.embed_query(t) for t in texts]))


def test_a_backend_without_span_pooling_embeds_the_span_texts():
    backend = Recording(batch_size=4)
    text = "First sentence here. Second one there."
    vectors, spans = backend.embed_with_spans([text, "x"], [[(0, 20), (21, len(text))], []])
    assert vectors.shape == (2, 8) and [s.shape for s in spans] == [(2, 8), (0, 8)]
    fake = FakeEmbedder(8)
    assert np.allclose(spans[0][1], fake.embed_query("Second one there."))


def test_the_registry_names_every_kind_and_refuses_others():
    assert {"minilm", "minilm-torch", "fake"} <= set(embedder_kinds())
    lazy = make_embedder("fake")
    assert lazy.name == FakeEmbedder.name and lazy.embed_query("x").shape == (64,)
    with pytest.raises(ConfigError, match="unknown embedder 'gpt'"):
        make_embedder("gpt")


def test_naming_a_kind_loads_nothing():
    import sys

    before = "onnxruntime" in sys.modules, "sentence_transformers" in sys.modules
    lazy = make_embedder("minilm")
    assert lazy.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert ("onnxruntime" in sys.modules, "sentence_transformers" in sys.modules) == before


def test_auto_chooses_int8_only_where_the_cpu_has_vnni_and_names_what_it_chose(tmp_path):
    from indexer.embedders import INT8_MODEL_NAME, auto_kind, embedder_name
    from indexer.host import cpu_flags
    from indexer.settings import Settings

    assert auto_kind(frozenset({"avx2", "avx512f", "avx512_vnni", "amx_bf16", "amx_int8"})) == "minilm-int8"
    assert auto_kind(frozenset({"avx2", "avx_vnni"})) == "minilm-int8"
    assert auto_kind(frozenset({"avx2", "fma", "amx_int8"})) == "minilm-int8"
    assert auto_kind(frozenset({"avx2", "fma", "avx512f", "avx512_bf16"})) == "minilm"  # bf16 is never chosen for you
    assert auto_kind(frozenset({"avx2", "fma"})) == "minilm"
    assert auto_kind(frozenset()) == "minilm"
    # The index records the kind chosen on this machine, never "auto".
    expected = INT8_MODEL_NAME if auto_kind() == "minilm-int8" else "sentence-transformers/all-MiniLM-L6-v2"
    assert embedder_name("auto") == make_embedder("auto").name == expected
    assert Settings.from_env({"STATEMENT_SEARCH_EMBEDDER": "auto"}).embedder == "auto"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_int8\n\nprocessor\t: 1\nflags\t\t: fpu avx2 amx_int8\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_int8"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("lengths, budget", [
    ([256, 256, 256, 256, 256, 10, 30, 200], 1024), ([5000, 3], 1024), ([], 1024),
    ([20] * 40, 1024), ([1, 2, 3, 4, 5, 6, 7, 8, 9], 7), ([7, 300, 12, 12, 64], 128)])
def test_token_runs_hold_every_row_once_within_the_budget(lengths, budget):
    from indexer.onnx_model import token_runs

    runs = token_runs(lengths, budget)
    assert sorted(row for run in runs for row in run) == list(range(len(lengths)))
    for run in runs:
        widest = max(lengths[row] for row in run)
        assert len(run) == 1 or len(run) * widest <= budget
    # Longest first, so rows of like length share a run and padding stays small.
    firsts = [lengths[run[0]] for run in runs]
    assert firsts == sorted(firsts, reverse=True)
