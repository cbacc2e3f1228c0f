"""Faults during a build and a damaged index at start-up.

A build that cannot write (disk full at each write, a read-only or forbidden index folder)
fails with one clear line and exit status 2, publishes nothing, leaves the previous generation
serving and readable, and leaves no temporary folder behind (or the next build removes it).
A server started on a damaged index with no good generation still starts and says what is
wrong and how to rebuild; a damaged generation published under a running server is refused.

The disk fills for real: the kernel's /dev/full answers every write with ENOSPC, planted
where the build is about to write, and SQLite's max_page_count gives its own SQLITE_FULL. When
the tests may mount (root with CAP_SYS_ADMIN), a tiny tmpfs is filled and remounted read-only.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import cli, errors, layout, store
from indexer.build import build_index
from indexer.embedder import FakeEmbedder
from indexer.errors import CorruptIndex
from indexer.generation import open_current

from .apptools import app_client, assert_error, build, wait_for
from .conftest import write_tiny_corpus

ROOT = Path(__file__).resolve().parent.parent
DEV_FULL = Path("/dev/full")
NEW_STATEMENT = "A statement added after the first build, about the Zanzibar consultation on returns.\n" * 20
REBUILD = "python -m indexer build --full"
SWAP_SECONDS = 2.0


# ------------------------------------------------------------------ helpers


@pytest.fixture
def served(tiny_corpus, tmp_path):
    """A corpus with gen-000001 built and live, and one new file waiting to be indexed."""
    index = tmp_path / "index"
    build(tiny_corpus, index)
    (tiny_corpus / "2024-05-01-zanzibar.txt").write_text(NEW_STATEMENT, encoding="utf-8")
    return tiny_corpus, index


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """`python -m indexer ...` in this process (so monkeypatched faults apply): (status, stderr)."""
    monkeypatch.setenv("STATEMENT_SEARCH_EMBEDDER", "fake")
    status = cli.main(list(args))
    return status, capsys.readouterr().err


def assert_one_clear_line(stderr: str, *words: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("embedding ")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: could not write the index in ") and "nothing was published" in lines[0]
    assert "Traceback" not in stderr
    for word in words:
        assert word in lines[0], lines[0]


def assert_nothing_published(index: Path) -> None:
    assert (index / "CURRENT").read_text().strip() == "gen-000001"
    survivor = open_current(index)  # verified: manifest, sizes, FAISS and SQLite all read
    assert survivor.counts()["documents"] == 2 and survivor.document("2024-05-01-zanzibar") is None
    leftovers = [p for p in os.listdir(index) if p.startswith((".tmp-", "CURRENT.tmp"))]
    assert leftovers == [] and generation_names(index) == ["gen-000001"]


def generation_names(index: Path) -> list[str]:
    return sorted(p for p in os.listdir(index) if p.startswith("gen-"))


def assert_next_build_succeeds(corpus: Path, index: Path) -> None:
    report = build(corpus, index)
    assert report.generation == "gen-000002" and "2024-05-01-zanzibar.txt" in report.added
    assert open_current(index).document("2024-05-01-zanzibar") is not None
    assert not [p for p in os.listdir(index) if p.startswith((".tmp-", "CURRENT.tmp"))]


# ------------------------------------------------------------------ (a) disk full


def plant_dev_full(monkeypatch, target: str) -> None:
    """When the build makes its work folder, put /dev/full where it will write `target`
    (a file in the work folder, or CURRENT's temporary file beside it)."""
    new_workdir = layout.IndexDir.new_workdir

    def with_full_disk(self, name):
        work = new_workdir(self, name)
        place = self.path / f"{layout.CURRENT_FILE}.tmp-{os.getpid()}" if target == "CURRENT" else work / target
        place.parent.mkdir(exist_ok=True)
        place.symlink_to(DEV_FULL)
        return work

    monkeypatch.setattr(layout.IndexDir, "new_workdir", with_full_disk)


needs_dev_full = pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")


@needs_dev_full
@pytest.mark.parametrize("target,full", [
    ("index.sqlite", False),  # copying the previous generation's SQLite file
    ("vectors.faiss", False),  # FAISS's own writer (it raises RuntimeError with the strerror)
    ("vectors.faiss", True),
    ("keywords/data.npy", False),  # the BM25 impact index (numpy's writer)
    ("keywords/vocab.json", True),
    ("manifest.json", False),
    ("CURRENT", False),  # after the folder is renamed into place, before CURRENT moves
])
def test_disk_full_at_each_write_publishes_nothing(served, monkeypatch, capsys, target, full):
    corpus, index = served
    plant_dev_full(monkeypatch, target)
    args = ["build", "--corpus", str(corpus), "--index", str(index), "--quiet"] + (["--full"] if full else [])
    status, stderr = run_cli(monkeypatch, capsys, *args)
    assert status == cli.EXIT_ERROR
    assert_one_clear_line(stderr, "the disk is full", str(index))
    assert_nothing_published(index)
    monkeypatch.undo()
    assert_next_build_succeeds(corpus, index)


@pytest.mark.parametrize("full", [False, True])
def test_sqlite_running_out_of_room_publishes_nothing(served, monkeypatch, capsys, full):
    corpus, index = served
    # SQLITE_FULL, SQLite's own "database or disk is full": the file may not grow at all.
    monkeypatch.setattr(store, "SCHEMA", layout.SCHEMA + "\nPRAGMA max_page_count = 1;")
    args = ["build", "--corpus", str(corpus), "--index", str(index), "--quiet"] + (["--full"] if full else [])
    status, stderr = run_cli(monkeypatch, capsys, *args)
    assert status == cli.EXIT_ERROR
    assert_one_clear_line(stderr, "the disk is full", "SQLite")
    assert_nothing_published(index)
    monkeypatch.undo()
    assert_next_build_succeeds(corpus, index)


def test_describe_write_error_says_what_a_person_would():
    assert errors.describe_write_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/i/x")) == "the disk is full (/i/x)"
    assert errors.describe_write_error(PermissionError(errno.EACCES, "Permission denied")) == "permission denied"
    faiss = RuntimeError("Error in faiss::write_index: write error in /i/v.faiss: 1 != 9 (No space left on device)")
    assert errors.describe_write_error(faiss).startswith("the disk is full (FAISS: ")
    assert errors.describe_write_error(sqlite3.OperationalError("attempt to write a readonly database")).startswith(
        "the file system is read-only")


# ------------------------------------------------------------------ (b) read-only index folder


def forbid_writes_under(monkeypatch, root: Path) -> None:
    """What a 0555 folder does to anyone but root: no new entries in it (mkdir, O_CREAT)."""
    real_mkdir, real_open = os.mkdir, os.open
    root = str(root)

    def inside(path) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root + os.sep)

    def mkdir(path, *args, **kwargs):
        if inside(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if inside(path) and flags & os.O_CREAT and not os.path.exists(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)


@pytest.mark.parametrize("fresh_lock", [False, True])
def test_a_folder_we_may_not_write_into_publishes_nothing(served, monkeypatch, capsys, fresh_lock):
    corpus, index = served
    if fresh_lock:
        (index / layout.LOCK_FILE).unlink()  # so the very first write, the lock file, is refused
    forbid_writes_under(monkeypatch, index)
    status, stderr = run_cli(monkeypatch, capsys, "build", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert status == cli.EXIT_ERROR
    assert_one_clear_line(stderr, "permission denied")
    monkeypatch.undo()
    assert_nothing_published(index)
    assert_next_build_succeeds(corpus, index)


def test_a_chmod_0555_index_folder_publishes_nothing(served, tmp_path):
    corpus, index = served
    index.chmod(0o555)
    try:
        probe = index / "probe"
        try:
            probe.touch()
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("running as root: chmod does not stop root (the emulated and read-only mount tests cover it)")
        result = run_cli_process("build", "--corpus", str(corpus), "--index", str(index), "--quiet")
    finally:
        index.chmod(0o755)
    assert result.returncode == cli.EXIT_ERROR
    assert_one_clear_line(result.stderr, "permission denied")
    assert_nothing_published(index)
    assert_next_build_succeeds(corpus, index)


def run_cli_process(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STATEMENT_SEARCH_EMBEDDER": "fake"}
    return subprocess.run([sys.executable, "-m", "indexer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


# ------------------------------------------------------------------ a real small disk (root only)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, if this process may mount one; unmounted afterwards whatever happens."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    filler = disk / "filler"
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))  # tmpfs: written bytes take real pages
    return filler


@pytest.mark.parametrize("full", [False, True])
def test_a_really_full_disk_publishes_nothing(small_disk, full):
    corpus = write_tiny_corpus(small_disk)
    index = small_disk / "index"
    build(corpus, index)
    (corpus / "2024-05-01-zanzibar.txt").write_text(NEW_STATEMENT, encoding="utf-8")
    filler = fill(small_disk, leave_bytes=24 * 1024)
    result = run_cli_process("build", "--corpus", str(corpus), "--index", str(index), "--quiet", *(["--full"] if full else []))
    assert result.returncode == cli.EXIT_ERROR, result.stdout + result.stderr
    assert_one_clear_line(result.stderr, "the disk is full")
    assert_nothing_published(index)
    filler.unlink()
    assert_next_build_succeeds(corpus, index)


def test_a_read_only_file_system_publishes_nothing(small_disk, tiny_corpus):
    index = small_disk / "index"
    build(tiny_corpus, index)
    (tiny_corpus / "2024-05-01-zanzibar.txt").write_text(NEW_STATEMENT, encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        result = run_cli_process("build", "--corpus", str(tiny_corpus), "--index", str(index), "--quiet")
        assert result.returncode == cli.EXIT_ERROR
        assert_one_clear_line(result.stderr, "the file system is read-only")
        assert_nothing_published(index)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert_next_build_succeeds(tiny_corpus, index)


# ------------------------------------------------------------------ (c) a damaged index at start-up


def set_manifest(generation: Path, **model) -> None:
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["model"].update(model)
    (generation / "manifest.json").write_text(json.dumps(manifest))


def overwrite(path: Path, start: int, length: int) -> None:
    """Garbage over part of a file, keeping its size (so only reading it can tell)."""
    data = bytearray(path.read_bytes())
    data[start : start + length] = b"\xff" * len(data[start : start + length])
    path.write_bytes(bytes(data))


def rebuild_with_dimension(corpus: Path, index: Path) -> None:
    # Same model name, vectors of another size: as if the model changed under its name.
    shutil.rmtree(index)
    build_index(corpus, index, FakeEmbedder(dimension=32))


# (damage, words the reason must contain); the index holds gen-000001 only.
DAMAGES = {
    "truncated-faiss": (lambda g, c: os.truncate(g / "vectors.faiss", 100), ["vectors.faiss", "truncated"]),
    "garbage-faiss": (lambda g, c: overwrite(g / "vectors.faiss", 0, 64), ["vectors.faiss cannot be read"]),
    "corrupt-sqlite": (lambda g, c: overwrite(g / "index.sqlite", 0, 100), ["index.sqlite cannot be read"]),
    "malformed-sqlite": (lambda g, c: overwrite(g / "index.sqlite", 4096, 1 << 20), ["index.sqlite", "malformed"]),
    "missing-manifest": (lambda g, c: (g / "manifest.json").unlink(), ["manifest.json is missing"]),
    "garbled-manifest": (lambda g, c: (g / "manifest.json").write_text("{"), ["manifest.json is unreadable"]),
    "other-model": (lambda g, c: set_manifest(g, name="all-mpnet-base-v2"), ["all-mpnet-base-v2", FakeEmbedder.name]),
    "other-dimension": (lambda g, c: rebuild_with_dimension(c, g.parent), ["dimension 32", "expected 64"]),
    "manifest-lies-about-dimension": (lambda g, c: set_manifest(g, dimension=384), ["dimension 384"]),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_index_at_start_up_says_what_and_how_to_rebuild(tiny_corpus, tmp_path, damage):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    spoil, words = DAMAGES[damage]
    spoil(index / "gen-000001", tiny_corpus)
    # Another model's index is sound: a plain build with the server's embedder re-embeds it.
    rebuild = "python -m indexer build on this machine, with the server" if damage == "other-model" else REBUILD
    with app_client(tiny_corpus, index) as client:
        health = client.get("/api/health")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "unavailable" and body["generation"] is None
        assert "gen-000001" in body["reason"] and all(w in body["reason"] for w in words), body["reason"]
        assert rebuild in body["hint"]
        for response in (client.get("/api/search", params={"q": "trafficking"}),
                         client.post("/api/ask", json={"q": "trafficking"}), client.get("/api/documents")):
            error = assert_error(response, 503, None, "index_unavailable")
            assert words[0] in error["message"] and rebuild in error["message"]
        page = client.get("/", params={"q": "trafficking"})
        assert page.status_code == 503 and rebuild in page.text


def test_a_manifest_that_disagrees_with_its_vectors_is_refused_without_an_embedder_to_ask(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    set_manifest(index / "gen-000001", dimension=384)
    with pytest.raises(CorruptIndex, match="64-dimensional vectors, the manifest says 384"):
        open_current(index)


def publish_damaged_copy(index: Path, spoil) -> None:
    """gen-000002: a copy of the live generation, damaged, then published as the indexer does."""
    shutil.copytree(index / "gen-000001", index / "gen-000002")
    spoil(index / "gen-000002", None)
    (index / "CURRENT.tmp-test").write_text("gen-000002\n")
    os.replace(index / "CURRENT.tmp-test", index / "CURRENT")


# A truncated FAISS file published under a running server is in test_live_index.py.
LIVE_DAMAGES = [d for d in DAMAGES if d not in ("truncated-faiss", "other-dimension")]


@pytest.mark.parametrize("damage", LIVE_DAMAGES)
def test_a_damaged_new_generation_is_refused_and_the_old_one_keeps_serving(tiny_corpus, tmp_path, caplog, damage):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    spoil, words = DAMAGES[damage]
    with app_client(tiny_corpus, index) as client:
        before = client.get("/api/search", params={"q": "trafficking"}).json()["results"]
        with caplog.at_level(logging.ERROR, logger="search_app"):
            publish_damaged_copy(index, spoil)
            health = wait_for(lambda: (h := client.get("/api/health").json())["reason"] and h, timeout=SWAP_SECONDS)
            wait_for(lambda: False, timeout=0.3)  # a few more looks at CURRENT: still one log line
        assert health["status"] == "ok" and health["generation"] == "gen-000001"
        assert "gen-000002" in health["reason"] and all(w in health["reason"] for w in words), health["reason"]
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == 1 and "gen-000002" in refusals[0] and "still serving gen-000001" in refusals[0]
        after = client.get("/api/search", params={"q": "trafficking"})
        assert after.status_code == 200 and after.json()["results"] == before


@pytest.mark.parametrize("damage", ["garbage-faiss", "corrupt-sqlite", "missing-manifest"])
def test_at_start_up_a_damaged_current_falls_back_to_an_older_good_generation(tiny_corpus, tmp_path, caplog, damage):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    spoil, words = DAMAGES[damage]
    publish_damaged_copy(index, spoil)  # CURRENT -> gen-000002, damaged; gen-000001 is fine
    with caplog.at_level(logging.ERROR, logger="search_app"), app_client(tiny_corpus, index) as client:
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and health["generation"] == "gen-000001"
        assert "gen-000002" in health["reason"] and words[0] in health["reason"] and REBUILD in health["hint"]
        response = client.get("/api/search", params={"q": "trafficking"})
        assert response.status_code == 200 and response.json()["results"]
        assert response.headers["X-Index-Generation"] == "gen-000001"
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "serving the older gen-000001 instead" in refusals[0]
