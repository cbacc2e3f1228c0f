"""Builds whose embed step runs on a real Ray cluster: two nodes on this machine (conftest's
`ray_cluster`, one per test session), a tiny corpus, the fake embedder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.cluster import ClusterError, ClusterOptions, RayEmbedder
from indexer.embedder import FakeEmbedder
from indexer.errors import ConfigError
from indexer.generation import open_current
from indexer.settings import Settings
from search_app.requests import SearchRequest
from search_app.searcher import Searcher

from .apptools import free_port
from .conftest import ROOT

pytestmark = pytest.mark.cluster

QUERIES = ("labour trafficking in the region", "scam compounds forced criminality", "policy guides smuggling")


def write_corpus(root: Path, documents: int) -> Path:
    """`documents` short statements, ~6 chunks each: enough batches that workers take turns."""
    corpus = root / "corpus"
    corpus.mkdir()
    topics = ("labour trafficking", "scam compounds", "forced criminality", "migrant smuggling", "victim returns",
              "border management", "fisheries", "the policy guides")
    for n in range(documents):
        paragraphs = [f"Members of statement {n} discussed {topics[(n + p) % len(topics)]} in paragraph {p}, "
                      f"and agreed on steps {p * 7 + n} for cooperation in the region. " * 8 for p in range(6)]
        (corpus / f"2020-01-{n % 28 + 1:02d}-statement-{n}.txt").write_text(f"Statement {n}\n\n" + "\n\n".join(paragraphs))
    return corpus


def vectors_by_text(index: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every chunk's vector and its sentences' vectors, keyed by the chunk's text."""
    generation = open_current(index)
    ids, vectors = generation.all_vectors()
    chunks = generation.chunks([int(i) for i in ids])
    by_text = {chunks[int(i)].text: v for i, v in zip(ids, vectors)}
    sentences = generation.chunk_sentence_vectors([int(i) for i in ids])
    by_text_sentences = {chunks[int(i)].text: sentences[int(i)] for i in ids}
    return by_text, by_text_sentences


def ranked(index: Path, query: str) -> list[str]:
    searcher = Searcher(open_current(index), FakeEmbedder())
    return [hit.chunk_id for hit in searcher.search(SearchRequest(query)).hits]


def test_a_cluster_build_gives_a_local_builds_vectors_and_search_results(ray_cluster, tmp_path):
    corpus = write_corpus(tmp_path, 12)
    local = build_index(corpus, tmp_path / "local", FakeEmbedder())
    # Two texts per encoder call, so 16 per batch: several batches, spread over both nodes' workers.
    with RayEmbedder(ClusterOptions(ray_cluster, "fake", batch_size=2)) as embedder:
        report = build_index(corpus, tmp_path / "cluster", embedder)
        stats = embedder.stats
    assert report.published and report.chunks == local.chunks == report.chunks_embedded
    assert stats.workers == 2 and stats.nodes == 2 and stats.batches > 2
    assert len(stats.per_worker) == 2 and sum(stats.per_worker.values()) == report.chunks
    local_vectors, local_sentences = vectors_by_text(tmp_path / "local")
    cluster_vectors, cluster_sentences = vectors_by_text(tmp_path / "cluster")
    assert local_vectors.keys() == cluster_vectors.keys()
    for text, vector in local_vectors.items():
        np.testing.assert_allclose(cluster_vectors[text], vector, atol=1e-5)
        np.testing.assert_allclose(cluster_sentences[text], local_sentences[text], atol=1e-5)
    for query in QUERIES:
        assert ranked(tmp_path / "cluster", query) == ranked(tmp_path / "local", query)


def test_a_worker_killed_mid_build_has_its_batches_retried_and_the_build_completes(ray_cluster, tmp_path):
    corpus = write_corpus(tmp_path, 40)
    local = build_index(corpus, tmp_path / "local", FakeEmbedder())
    killed: list[int] = []

    with RayEmbedder(ClusterOptions(ray_cluster, "fake", batch_size=1)) as embedder:
        class KillOneWorkerAfterTheFirstBatch:
            """Passes everything to the cluster embedder; at its first finished batch, SIGKILLs a
            worker process, which still has batches to do (every batch is 8 texts, ~30 batches)."""

            name = embedder.name

            @property
            def dimension(self):
                return embedder.dimension

            def embed_with_spans(self, texts, spans, progress=None):
                def kill_once(count):
                    if not killed:
                        pid = embedder.worker_info()[-1]["pid"]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                return embedder.embed_with_spans(texts, spans, progress=kill_once)

        report = build_index(corpus, tmp_path / "cluster", KillOneWorkerAfterTheFirstBatch())
        stats = embedder.stats
    assert killed and report.published and report.chunks_embedded == local.chunks
    assert stats.workers_lost == 1 and stats.batches_retried >= 1 and stats.workers_replaced == 1
    local_vectors, _ = vectors_by_text(tmp_path / "local")
    cluster_vectors, _ = vectors_by_text(tmp_path / "cluster")
    for text, vector in local_vectors.items():
        np.testing.assert_allclose(cluster_vectors[text], vector, atol=1e-5)


def run_indexer(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "STATEMENT_SEARCH_EMBEDDER": "fake", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_a_build_against_an_address_where_nothing_listens_fails_in_one_line_and_publishes_nothing(tmp_path):
    corpus = write_corpus(tmp_path, 2)
    index = tmp_path / "index"
    assert run_indexer("build", "--corpus", str(corpus), "--index", str(index)).returncode == 0
    live = (index / "CURRENT").read_text()
    (corpus / "2020-02-01-new.txt").write_text("A new statement on border management.")
    done = run_indexer("build", "--corpus", str(corpus), "--index", str(index), "--full",
                       "--ray", f"127.0.0.1:{free_port()}")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no Ray cluster at '127.0.0.1:" in errors[0] and "nothing was published" in errors[0]
    assert "Traceback" not in done.stderr
    assert (index / "CURRENT").read_text() == live
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("gen-")) == [live.strip()]


def test_a_build_without_ray_never_imports_it(tmp_path):
    corpus = write_corpus(tmp_path, 2)
    code = ("import sys; from indexer.cli import main; "
            f"code = main(['build', '--corpus', {str(corpus)!r}, '--index', {str(tmp_path / 'index')!r}, '--quiet']); "
            "assert code == 0; assert 'ray' not in sys.modules, 'ray was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "STATEMENT_SEARCH_EMBEDDER": "fake"})
    assert done.returncode == 0, done.stderr


def test_a_cluster_build_with_nothing_new_never_connects(tmp_path):
    corpus = write_corpus(tmp_path, 2)
    build_index(corpus, tmp_path / "index", FakeEmbedder())
    # Nothing listens there: connecting would fail the build.
    with RayEmbedder(ClusterOptions(f"127.0.0.1:{free_port()}", "fake")) as embedder:
        report = build_index(corpus, tmp_path / "index", embedder)
    assert not report.published and embedder.stats.workers == 0


@pytest.mark.parametrize("raw", ["localhost", "http://head:6379", "head:port", "head:6379/x"])
def test_a_ray_address_that_is_not_one_is_refused_naming_the_setting(raw):
    with pytest.raises(ConfigError, match="STATEMENT_SEARCH_RAY_ADDRESS"):
        Settings.from_env({"STATEMENT_SEARCH_RAY_ADDRESS": raw})


@pytest.mark.parametrize("raw", ["auto", "10.0.0.5:6379", "ray://head.example.org:10001", "[::1]:6379"])
def test_a_ray_address_may_be_host_port_auto_or_a_ray_client_address(raw):
    assert Settings.from_env({"STATEMENT_SEARCH_RAY_ADDRESS": raw}).ray_address == raw


def test_a_worker_that_embeds_with_another_model_is_refused(ray_cluster, tmp_path):
    options = ClusterOptions(ray_cluster, "fake")
    with RayEmbedder(options) as embedder:
        embedder.name = "some-other-model"  # as if the nodes had another statement-search installed
        with pytest.raises(ClusterError, match="embeds with 'fake-hashing-embedder', not 'some-other-model'"):
            embedder.embed_documents(["a text"])


@pytest.mark.model
def test_a_cluster_build_with_the_real_model_matches_a_local_build_to_1e_5(ray_cluster, tmp_path):
    from indexer.embedders import make_embedder

    from .conftest import SEED_CORPUS

    local = build_index(SEED_CORPUS, tmp_path / "local", make_embedder("minilm", batch_size=4))
    with RayEmbedder(ClusterOptions(ray_cluster, "minilm", batch_size=4)) as embedder:
        report = build_index(SEED_CORPUS, tmp_path / "cluster", embedder)
        assert embedder.stats.workers == 2 and embedder.stats.batches > 1
    assert report.chunks_embedded == local.chunks
    local_vectors, local_sentences = vectors_by_text(tmp_path / "local")
    cluster_vectors, cluster_sentences = vectors_by_text(tmp_path / "cluster")
    for text, vector in local_vectors.items():
        np.testing.assert_allclose(cluster_vectors[text], vector, atol=1e-5)
        np.testing.assert_allclose(cluster_sentences[text], local_sentences[text], atol=1e-5)


def test_closing_frees_the_workers_cpus_before_it_returns(ray_cluster, tmp_path):
    # (A build started right after another found one CPU still held by a killed worker, and
    # started with one worker: CI caught it in the test below.)
    import ray

    ray.init(address=ray_cluster, log_to_driver=False)  # the test's own connection, which the embedder borrows
    try:
        with RayEmbedder(ClusterOptions(ray_cluster, "fake", batch_size=2)) as embedder:
            build_index(write_corpus(tmp_path, 3), tmp_path / "index", embedder)
            assert embedder.stats.workers == 2 and ray.available_resources().get("CPU", 0) == 0
        assert ray.available_resources().get("CPU", 0) == 2
    finally:
        ray.shutdown()


def test_two_batches_go_to_two_workers_not_both_to_the_first(ray_cluster, tmp_path):
    corpus = write_corpus(tmp_path, 3)  # ~20 chunks: two batches of 16
    with RayEmbedder(ClusterOptions(ray_cluster, "fake", batch_size=2)) as embedder:
        build_index(corpus, tmp_path / "index", embedder)
        assert embedder.stats.batches == 2 and len(embedder.stats.per_worker) == 2


@pytest.mark.model
def test_a_cluster_that_goes_away_mid_build_ends_it_in_one_line_and_the_last_index_keeps_serving(tmp_path):
    """Its own one-node cluster, shut down once the build's workers are embedding; Ray's driver
    (in the build's child process) gives up on the head after 5 s instead of a minute."""
    from ray.cluster_utils import Cluster

    corpus = write_corpus(tmp_path, 60)  # ~420 chunks: ~40 s for one worker on one core
    index = tmp_path / "index"
    build_index(corpus, index, FakeEmbedder())
    live = (index / "CURRENT").read_text()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    env = {**os.environ, "STATEMENT_SEARCH_EMBEDDER": "minilm", "RAY_gcs_rpc_server_reconnect_timeout_s": "5"}
    build = subprocess.Popen([sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index),
                              "--full", "--ray", cluster.address], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in build.stderr:
            seen.append(line)
            if line.startswith("Ray cluster at"):
                break
        cluster.shutdown()
        stderr = "".join(seen) + build.communicate(timeout=120)[1]
    finally:
        if build.poll() is None:
            build.kill()
        cluster.shutdown()
    assert build.returncode == 2, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "went away during the build" in errors[0] and "nothing was published" in errors[0]
    assert "Traceback" not in stderr
    assert (index / "CURRENT").read_text() == live


def test_the_command_line_builds_on_the_cluster_and_reports_what_it_did(ray_cluster, tmp_path):
    corpus = write_corpus(tmp_path, 6)
    done = run_indexer("build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json",
                       "--ray", ray_cluster, env_extra={"STATEMENT_SEARCH_BATCH_SIZE": "2"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["generation"] and report["chunks_embedded"] == report["chunks"] > 16
    cluster = report["cluster"]
    assert cluster["address"] == ray_cluster and cluster["nodes"] == 2 and cluster["workers"] == 2
    assert cluster["batches"] >= 2 and sum(cluster["per_worker"].values()) == report["chunks"]
    assert "embedded" in done.stderr and "batches on 2 workers" in done.stderr  # progress without a terminal
    assert open_current(tmp_path / "index").counts()["chunks"] == report["chunks"]
