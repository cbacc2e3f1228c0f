"""`python -m indexer build|info` as a person runs it: messages and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    # The fake embedder keeps torch out of these runs; the CLI reads it from the environment.
    env = {**os.environ, "STATEMENT_SEARCH_EMBEDDER": "fake"}
    return subprocess.run([sys.executable, "-m", "indexer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_build_then_nothing_changed_then_info(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    first = run("build", "--corpus", str(tiny_corpus), "--index", str(index))
    assert first.returncode == 0, first.stderr
    assert "published gen-000001: 2 added" in first.stdout
    again = run("build", "--corpus", str(tiny_corpus), "--index", str(index))
    assert again.returncode == 0 and "nothing changed" in again.stdout
    info = run("info", "--index", str(index), "--json")
    assert info.returncode == 0
    assert json.loads(info.stdout)["counts"]["documents"] == 2


def test_skipped_files_are_listed_with_reasons_and_the_build_succeeds(tiny_corpus, tmp_path):
    (tiny_corpus / "empty.txt").write_bytes(b"")
    (tiny_corpus / "deck.pptx").write_bytes(b"PK\x03\x04")
    result = run("build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.strip().startswith("skipped")]
    assert len(skipped) == 2 and any("empty.txt: empty file" in line for line in skipped)
    assert "2 skipped" in result.stdout


def test_missing_corpus_is_one_clear_line_and_exit_2(tmp_path):
    result = run("build", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "index"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "corpus folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_nothing_usable_exits_1(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 1 and "nothing usable to index" in result.stderr
    assert "skipped   junk.txt: binary content" in result.stderr


def test_index_folder_that_is_not_ours_exits_2(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    (index / "notes.txt").write_text("mine")
    result = run("build", "--corpus", str(tiny_corpus), "--index", str(index))
    assert result.returncode == 2 and "is not a statement-search index" in result.stderr


def test_info_without_an_index_says_how_to_build_one(tmp_path):
    result = run("info", "--index", str(tmp_path / "index"))
    assert result.returncode == 2 and "python -m indexer build" in result.stderr
