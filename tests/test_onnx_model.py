"""The ONNX Runtime backend gives the vectors sentence-transformers gives, survives a damaged
cache file, and lets a process embed without importing torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from indexer.embedder import MODEL_NAME, bundled_model_path
from indexer.onnx_model import OnnxEmbedder, cached_model_file, int8_model_file
from indexer.torch_model import SentenceTransformerEmbedder

pytestmark = pytest.mark.model

TEXTS = [
    "When was the Bali Process founded?",
    "JCLEC",
    "",
    "Ministers welcomed the Regional Support Office's work — and the TEG-RR's — on irregular migration. 🙂",
    # Longer than the encoder reads (256 tokens): both backends must cut it at the same place.
    "The Co-Chairs reaffirmed their commitment to combating trafficking in persons. " * 40,
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def onnx(cache):
    return OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME)


def test_onnx_vectors_match_sentence_transformers(onnx):
    reference = SentenceTransformerEmbedder()
    batch = onnx.embed_documents(TEXTS)
    expected = reference.embed_documents(TEXTS)
    assert batch.shape == expected.shape == (len(TEXTS), 384)
    assert batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(batch, expected, atol=1e-5)
    for text, row in zip(TEXTS, expected):
        np.testing.assert_allclose(onnx.embed_query(text), row, atol=1e-5)


def test_a_batch_gives_each_text_the_vector_it_gets_alone(onnx):
    # Padding to the longest text in a batch must not leak into the shorter ones.
    batch = onnx.embed_documents(TEXTS)
    alone = np.stack([onnx.embed_query(t) for t in TEXTS])
    np.testing.assert_allclose(batch, alone, atol=1e-5)


def test_a_damaged_cached_export_is_replaced(onnx, cache):
    target = cached_model_file(bundled_model_path(), cache)
    assert target.exists()
    expected = onnx.embed_query(TEXTS[0])
    target.write_bytes(b"not an onnx graph")
    again = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME)
    np.testing.assert_allclose(again.embed_query(TEXTS[0]), expected, atol=1e-6)
    assert not list(target.parent.glob("*.part")), "no partial export left behind"


def test_embedding_from_the_cache_never_imports_torch(onnx, cache):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from indexer.embedders import make_embedder\n"
        f"e = make_embedder('minilm', model_cache=Path({str(cache)!r}))\n"
        "assert e.embed_query('trafficking').shape == (384,)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_sentence_vectors_come_from_the_same_pass_without_changing_the_text_vectors(onnx):
    text = "Meeting title\nThe Co-Chairs met in Dhaka. Trafficking courts were set up in 2020."
    spans = [(14, 40), (41, len(text))]
    vectors, sentences = onnx.embed_with_spans([text, "JCLEC"], [spans, []])
    assert np.allclose(vectors, onnx.embed_documents([text, "JCLEC"]), atol=1e-6)
    assert sentences[0].shape == (2, onnx.dimension) and sentences[1].shape == (0, onnx.dimension)
    assert np.allclose(np.linalg.norm(sentences[0], axis=1), 1.0, atol=1e-5)
    # Each sentence's vector is nearer its own words than the other sentence's.
    own = [float(sentences[0][i] @ onnx.embed_query(text[a:b])) for i, (a, b) in enumerate(spans)]
    crossed = [float(sentences[0][1 - i] @ onnx.embed_query(text[a:b])) for i, (a, b) in enumerate(spans)]
    assert own[0] > crossed[0] and own[1] > crossed[1]


def test_a_sentence_past_the_encoders_cut_gets_a_zero_vector(onnx):
    text = TEXTS[-1]
    _, sentences = onnx.embed_with_spans([text], [[(0, 79), (len(text) - 79, len(text))]])
    assert np.linalg.norm(sentences[0][0]) == pytest.approx(1.0, abs=1e-5)
    assert not sentences[0][1].any()


def test_both_backends_pool_the_same_sentence_vectors(onnx):
    texts = ["Meeting title\nThe Co-Chairs met in Dhaka. Trafficking courts were set up in 2020.", TEXTS[-1], "JCLEC"]
    spans = [[(14, 40), (41, len(texts[0]))], [(0, 79), (len(TEXTS[-1]) - 79, len(TEXTS[-1]))], []]
    vectors, sentences = onnx.embed_with_spans(texts, spans)
    torch_vectors, torch_sentences = SentenceTransformerEmbedder().embed_with_spans(texts, spans)
    np.testing.assert_allclose(torch_vectors, vectors, atol=1e-5)
    for ours, theirs in zip(sentences, torch_sentences):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(theirs, ours, atol=1e-5)


def assert_fp32_never_searches_its_index(embedder, precision: str, tmp_path) -> None:
    """An index built with another precision's vectors opens under its own model name only."""
    from indexer.build import build_index
    from indexer.errors import CorruptIndex
    from indexer.generation import open_current

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The Bali Process was founded in 2002.", encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder)
    assert open_current(tmp_path / "index", expect_model=embedder.name)
    with pytest.raises(CorruptIndex, match=precision):
        open_current(tmp_path / "index", expect_model=MODEL_NAME)


def test_int8_vectors_stay_close_to_fp32_under_their_own_model_name(onnx, cache, tmp_path):
    from indexer.embedders import INT8_MODEL_NAME, make_embedder

    int8 = make_embedder("minilm-int8", model_cache=cache)
    assert int8.name == INT8_MODEL_NAME != MODEL_NAME
    a, b = onnx.embed_documents(TEXTS[:4]), int8.embed_documents(TEXTS[:4])
    assert b.shape == a.shape and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (np.sum(a * b, axis=1) > 0.97).all()
    assert cached_model_file(bundled_model_path(), cache).with_name("model.int8.onnx").exists()
    assert_fp32_never_searches_its_index(int8, "int8", tmp_path)


def test_bf16_vectors_and_sentences_stay_close_to_fp32_under_their_own_model_name(onnx, tmp_path):
    from indexer.embedders import BF16_MODEL_NAME, make_embedder

    bf16 = make_embedder("minilm-bf16")
    assert bf16.name == BF16_MODEL_NAME != MODEL_NAME
    texts = ["Meeting title\nThe Co-Chairs met in Dhaka. Trafficking courts were set up in 2020.", TEXTS[0], TEXTS[3]]
    spans = [[(14, 40), (41, len(texts[0]))], [], []]
    a, a_sentences = onnx.embed_with_spans(texts, spans)
    b, b_sentences = bf16.embed_with_spans(texts, spans)
    assert b.shape == a.shape and b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (np.sum(a * b, axis=1) > 0.99).all()
    assert b_sentences[0].shape == (2, 384) and (np.sum(a_sentences[0] * b_sentences[0], axis=1) > 0.99).all()
    assert np.sum(onnx.embed_query(TEXTS[0]) * bf16.embed_query(TEXTS[0])) > 0.99
    assert_fp32_never_searches_its_index(bf16, "bf16", tmp_path)


def test_runs_of_any_size_give_the_same_vectors_in_the_same_order(onnx, cache):
    # The encoder runs a batch in runs of at most run_tokens tokens, longest first: the split
    # must not change a vector, a sentence vector, or which text it belongs to. Shortest
    # first here, so the runs' order differs from the texts'.
    texts = sorted(["Meeting title\nThe Co-Chairs met in Dhaka. Trafficking courts were set up in 2020.", *TEXTS], key=len)
    spans = [[(0, min(len(t), 20))] if t else [] for t in texts]
    one_by_one = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, run_tokens=1)
    vectors, sentences = onnx.encode_batch(texts, spans)
    alone, alone_sentences = one_by_one.encode_batch(texts, spans)
    np.testing.assert_allclose(alone, vectors, atol=1e-5)
    np.testing.assert_allclose(np.stack([onnx.embed_query(t) for t in texts]), vectors, atol=1e-5)
    for text, ours, theirs in zip(texts, sentences, alone_sentences):
        assert ours.shape == theirs.shape == (1 if text else 0, onnx.dimension)
        np.testing.assert_allclose(theirs, ours, atol=1e-5)


def test_a_query_on_its_own_one_thread_session_gets_the_same_vector(onnx, cache):
    # minilm-int8 encodes a query on a session of its own with one thread (embedders.py):
    # the vector must be the one the batch session gives, and that session is opened once.
    single = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, threads=2, query_threads=1)
    assert single.query_threads == 1 and single._query_session is None
    for text in TEXTS:
        np.testing.assert_allclose(single.embed_query(text), onnx.embed_query(text), atol=1e-5)
    opened = single._query_session
    assert opened is not None and opened is not single.session
    single.embed_query(TEXTS[0])
    assert single._query_session is opened
    # Asking for as many threads as the batches have needs no second session.
    assert OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, threads=1, query_threads=1).query_threads is None


def test_the_int8_kind_encodes_queries_on_one_thread(cache):
    from indexer.embedders import make_embedder

    int8 = make_embedder("minilm-int8", model_cache=cache, threads=2)
    vector = int8.embed_query(TEXTS[0])
    inner = int8._get()
    assert inner.query_threads == 1 and inner._query_session is not None
    np.testing.assert_allclose(inner.encode_batch([TEXTS[0]], None)[0][0], vector, atol=1e-5)


def test_a_damaged_int8_file_is_made_again_with_int8_weights(onnx, cache):
    # Writing the fp32 export under the int8 file's name would serve fp32 vectors under the
    # int8 model name: the damaged file must be quantized again.
    int8_file = int8_model_file(cached_model_file(bundled_model_path(), cache))
    expected = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, precision="int8").embed_query(TEXTS[0])
    assert not np.allclose(expected, onnx.embed_query(TEXTS[0]), atol=1e-4)  # int8 differs from fp32
    int8_file.write_bytes(b"not an onnx graph")
    again = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, precision="int8")
    np.testing.assert_allclose(again.embed_query(TEXTS[0]), expected, atol=1e-6)
    assert int8_file.stat().st_size < cached_model_file(bundled_model_path(), cache).stat().st_size / 2


def test_a_server_may_let_the_encoders_threads_sleep_between_queries(onnx, cache):
    from indexer.settings import Settings

    sleeping = OnnxEmbedder(bundled_model_path(), cache, MODEL_NAME, spinning=False)
    entry = "session.intra_op.allow_spinning"
    assert sleeping.session.get_session_options().get_session_config_entry(entry) == "0"
    with pytest.raises(RuntimeError):  # not set: ONNX Runtime's default, spinning
        onnx.session.get_session_options().get_session_config_entry(entry)
    # Same vectors either way: only what the threads do between runs differs.
    assert np.allclose(sleeping.embed_query(TEXTS[0]), onnx.embed_query(TEXTS[0]), atol=1e-6)
    settings = Settings.from_env({"STATEMENT_SEARCH_ENCODER_SPINNING": "0", "STATEMENT_SEARCH_MODEL_CACHE": str(cache)})
    assert settings.encoder_spinning is False and Settings.from_env({}).encoder_spinning is True
    assert settings.make_embedder()._get().spinning is False
