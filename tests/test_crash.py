"""A build killed with SIGKILL at any point leaves the last good generation intact and
readable, and the next build succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedder import FakeEmbedder
from indexer.generation import open_current

# A child process that builds with a fake embedder, but stalls at one phase after
# touching a marker file, so the test can kill it exactly there.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import indexer.build as build, indexer.layout as layout, indexer.plan as plan
    from indexer.embedder import FakeEmbedder

    corpus, index, marker, phase = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]

    def stall(original):
        def wrapper(*args, **kwargs):
            marker.write_text(phase)
            time.sleep(60)
            return original(*args, **kwargs)
        return wrapper

    if phase == "reading":
        plan.read_documents = stall(plan.read_documents)
    elif phase == "embedding":
        FakeEmbedder.encode_batch = stall(FakeEmbedder.encode_batch)
    elif phase == "writing":
        build.write_vector_index = stall(build.write_vector_index)
    elif phase == "publishing":
        layout._fsync_dir = stall(layout._fsync_dir)  # after the rename, before CURRENT moves
    build.build_index(corpus, index, FakeEmbedder())
    """
)


@pytest.mark.parametrize("phase", ["reading", "embedding", "writing", "publishing"])
def test_kill_9_mid_build_leaves_the_last_good_index(phase, tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build_index(tiny_corpus, index, FakeEmbedder())
    before = open_current(index)
    (tiny_corpus / "added.txt").write_text("A statement added after the first build, about scam centres.\n")

    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tiny_corpus), str(index), str(marker), phase],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, f"child exited early with {child.returncode}"
            assert time.monotonic() < deadline, "child never reached the phase"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()

    # The live generation is still the first one, complete and readable.
    assert (index / "CURRENT").read_text().strip() == before.name
    survivor = open_current(index)
    assert survivor.counts() == before.counts()
    assert survivor.document("added") is None

    # The next build cleans up and publishes, with the new document in it.
    report = build_index(tiny_corpus, index, FakeEmbedder())
    assert report.published and "added.txt" in report.added
    assert open_current(index).document("added") is not None
    assert not [p for p in os.listdir(index) if p.startswith(".tmp-")]
