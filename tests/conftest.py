"""Shared fixtures: tiny corpora in tmp_path and a deterministic fake embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.embedder import FakeEmbedder, LazyEmbedder

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"

STATEMENT_A = """Co-Chairs' Statement on Regional Cooperation

The Co-Chairs of the Bali Process met in Bali on 22 March 2016. Participants affirmed their concern about labour trafficking in the Asia-Pacific region. The Meeting welcomed the Working Group on Trafficking in Persons.

Policy guides
Members welcomed the policy guides on criminalising migrant smuggling. Training for officials and translation of the guides into regional languages continue.
"""

STATEMENT_B = """# Working Group Meeting

The Working Group met in Bangkok on 7 November 2023 to discuss online scam operations and forced criminality. Experts from the UNODC, IOM and OHCHR briefed members on trafficking for forced criminality in scam compounds. Co-chairs expressed shared concern at the scale of these profit-driven criminal enterprises in the region. Speakers described porous borders, weak rule of law and corruption as enabling factors. Members agreed to strengthen cross-border cooperation and information sharing on these cases.

## Regional Event

The Regional Event covered victim protection, supply chains and sustainable returns and reintegration of victims of trafficking. A panel explored the non-punishment principle and victim-sensitive court indicators. Civil society representatives presented tools that detect exploitation in the fisheries sector. The Regional Support Office shared its Screening and Referral Toolkit, developed jointly with UNHCR. Members heard how changing victim typologies can redefine protection and support needs.
"""


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def write_tiny_corpus(root: Path) -> Path:
    """root/corpus holding the two small statements; for fixtures of any scope."""
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "2016-03-22-statement-a.txt").write_text(STATEMENT_A, encoding="utf-8")
    (corpus / "2023-11-07-statement-b.md").write_text(STATEMENT_B, encoding="utf-8")
    return corpus


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_tiny_corpus(tmp_path)


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of the real seed corpus (tests may modify it)."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_CORPUS, target)
    return target


def never_loaded():
    raise AssertionError("the model must not be loaded")


@pytest.fixture
def unloadable_embedder() -> LazyEmbedder:
    """Has the fake embedder's name but fails if anything asks it to embed."""
    return LazyEmbedder(never_loaded, FakeEmbedder.name)


@pytest.fixture
def frozen_rate_clock(monkeypatch):
    """Stop the clock the rate limiter reads, half a second into a fresh hour (so into a fresh
    window of any length that divides an hour). The sliding-window counter weighs the previous
    window by the time left in it, so a test whose requests straddle a window's edge gets one
    request more than the limit: a minute's test failed in CI that way."""
    import time
    from types import SimpleNamespace

    import limits.storage.memory
    import limits.strategies

    import search_app.guards

    now = (time.time() // 3600) * 3600 + 0.5
    clock = SimpleNamespace(time=lambda: now)
    for module in (limits.storage.memory, limits.strategies, search_app.guards):
        monkeypatch.setattr(module, "time", clock)
    return now


@pytest.fixture(scope="module")
def seed_client(tmp_path_factory):
    """A test client of the app over the seed corpus (fake embedder), one per test module."""
    from .apptools import app_client, build

    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    build(root / "corpus", root / "index")
    with app_client(root / "corpus", root / "index") as client:
        yield client


@pytest.fixture(scope="session")
def ray_cluster():
    """A real two-node Ray cluster on this machine (one CPU each), started once per test
    session (~8 s) for the cluster build and replica tests; yields the head's address."""
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no reporting home from a test run
    # Serve's proxy prefers replicas on its own node; the replica tests need both replicas to take
    # turns even for one client's sequential requests, as a load balancer would have them.
    os.environ.setdefault("RAY_SERVE_PROXY_PREFER_LOCAL_NODE_ROUTING", "0")
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes(timeout=60)
        yield cluster.address
    finally:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
