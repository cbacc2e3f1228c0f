"""The terminal commands: `python -m search_app search|ask|check|timeline` against a local
index, readable or JSON, with exit codes 0 found / 1 nothing / 2 bad input (search_app/cli.py)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from search_app.__main__ import main

from .apptools import index_seed_corpus
from .conftest import ROOT


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return index_seed_corpus(tmp_path_factory.mktemp("cli"))[1]


@pytest.fixture(autouse=True)
def fake_embedder_setting(monkeypatch):
    monkeypatch.setenv("STATEMENT_SEARCH_EMBEDDER", "fake")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    from search_app.cli import run as run_command

    code = run_command(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_search_prints_cited_passages(index):
    code, out, _ = run("search", "PSHTA", "--index", str(index), "--k", "2")
    assert code == 0
    assert out.splitlines()[0].endswith("passages for “PSHTA”")
    assert "1. " in out and "2. " in out and "3. " not in out
    assert "/documents/" in out and "para. " in out


def test_search_json_is_the_api_s_shape(index):
    code, out, _ = run("search", "PSHTA", "--index", str(index), "--json", "--doc",
                       "2024-03-18-bali-process-co-chairs-meet-bangladesh")
    body = json.loads(out)
    assert code == 0 and {"query", "mode", "took_ms", "total", "results", "facets"} <= set(body)
    assert {r["citation"]["doc_id"] for r in body["results"]} == {"2024-03-18-bali-process-co-chairs-meet-bangladesh"}


def test_ask_answers_with_its_span_or_says_no_answer(index):
    code, out, _ = run("ask", "When was the Bali Process founded?", "--index", str(index))
    assert code == 0 and out.splitlines()[0] == "2002"
    code, out, _ = run("ask", "zebra giraffe savannah", "--index", str(index), "--json")
    assert code == 1 and json.loads(out)["answer"] is None


def test_check_gives_a_verdict_per_sentence(index):
    code, out, _ = run("check", "The Bali Process on People Smuggling, Trafficking in Persons and Related "
                       "Transnational Crime was founded in 2002.", "--index", str(index))
    assert code == 0 and out.startswith("[exact]")
    code, out, _ = run("check", "Zebras graze the savannah at dawn.", "--index", str(index), "--json")
    assert code == 1 and json.loads(out)["sentences"][0]["verdict"] == "not_found"


def test_timeline_lists_statements_oldest_first(index):
    code, out, _ = run("timeline", "PSHTA", "--index", str(index), "--json")
    body = json.loads(out)
    assert code == 0 and body["entries"]
    assert [e["date"] for e in body["entries"]] == sorted(e["date"] for e in body["entries"])


def test_nothing_found_exits_1(index):
    code, out, _ = run("search", "zzzqqq", "--index", str(index), "--mode", "keyword")
    assert code == 1 and out.startswith("0 passages")


@pytest.mark.parametrize("argv, option", [
    (("search", "x", "--k", "0"), "--k"),
    (("search", "x", "--from", "2020-13-01"), "--from"),
    (("search", "x", "--doc", "nope"), "--doc"),
    (("search", "   "), "the text"),
    (("ask", "x", "--to", "2016-01-01", "--from", "2020-01-01"), "--from"),
])
def test_bad_input_exits_2_naming_the_option(index, argv, option):
    code, out, err = run(*argv, "--index", str(index))
    assert code == 2 and out == "" and err.startswith("error: ") and f"({option})" in err


def test_no_index_and_bad_usage_exit_2(tmp_path):
    code, _, err = run("search", "x", "--index", str(tmp_path / "nothing"))
    assert code == 2 and "error:" in err
    assert run("search")[0] == 2  # argparse: the query is missing
    assert run("search", "x", "--mode", "fuzzy")[0] == 2


def test_python_m_search_app_dispatches_the_commands(index):
    # In a real process, as a user types it (the fake embedder keeps it fast).
    result = subprocess.run([sys.executable, "-m", "search_app", "search", "PSHTA", "--index", str(index), "--json"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**__import__("os").environ, "STATEMENT_SEARCH_EMBEDDER": "fake"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]
    assert main(["search", "zzzqqq", "--index", str(index), "--mode", "keyword"]) == 1
