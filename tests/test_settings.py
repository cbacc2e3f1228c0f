"""Settings: environment over defaults, command line over environment, and a clear error that
names the variable for every value we cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ConfigError
from search_app.__main__ import main
from indexer.settings import Settings

P = "STATEMENT_SEARCH_"


def test_defaults_sit_beside_pyproject():
    settings = Settings.from_env({})
    root = Path(__file__).resolve().parent.parent
    assert settings.index == root / "index" and settings.corpus == root / "corpus"
    assert (settings.host, settings.port, settings.cors_origins, settings.admin_token) == ("127.0.0.1", 8000, (), None)
    assert settings.max_upload_mb == 20 and settings.reload_interval == 0.5 and settings.embedder == "minilm"


def test_environment_and_overrides(tmp_path):
    env = {P + "INDEX": str(tmp_path / "i"), P + "PORT": "9000", P + "CORS_ORIGINS": "https://a.example/, http://b.example:8080,,",
           P + "ADMIN_TOKEN": "s3cret-token", P + "MAX_UPLOAD_MB": "5", P + "RELOAD_INTERVAL": "1.5", P + "EMBEDDER": "fake"}
    settings = Settings.from_env(env)
    assert settings.index == tmp_path / "i" and settings.port == 9000
    assert settings.cors_origins == ("https://a.example", "http://b.example:8080")
    assert settings.admin_token == "s3cret-token" and "s3cret" not in repr(settings)
    assert settings.max_upload_bytes == 5 * 1024 * 1024 and settings.reload_interval == 1.5 and settings.embedder == "fake"
    assert Settings.from_env(env, port=8123, index=None).port == 8123
    assert Settings.from_env({P + "CORS_ORIGINS": "*"}).cors_origins == ("*",)
    assert Settings.from_env({P + "ADMIN_TOKEN": "   "}).admin_token is None


@pytest.mark.parametrize("name,value", [
    ("PORT", "eighty"), ("PORT", "70000"), ("MAX_UPLOAD_MB", "-1"), ("MAX_UPLOAD_MB", "lots"),
    ("RELOAD_INTERVAL", "0"), ("EMBEDDER", "gpt"), ("WORKERS", "0"), ("WORKERS", "two"), ("CORS_ORIGINS", "example.org"), ("ADMIN_TOKEN", "short"),
])
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=P + name):
        Settings.from_env({P + name: value})


def test_command_line_reports_bad_settings(capsys, monkeypatch):
    monkeypatch.setenv(P + "PORT", "not-a-port")
    assert main([]) == 2
    assert P + "PORT" in capsys.readouterr().err
    monkeypatch.delenv(P + "PORT")
    assert main(["--port", "0"]) == 2
    assert "--port" in capsys.readouterr().err


def test_model_cache_backend_and_workers(tmp_path, monkeypatch):
    assert Settings.from_env({P + "MODEL_CACHE": str(tmp_path)}).model_cache == tmp_path
    assert Settings.from_env({"XDG_CACHE_HOME": str(tmp_path)}).model_cache == tmp_path / "statement-search"
    assert Settings.from_env({P + "EMBEDDER": "minilm-torch"}).embedder == "minilm-torch"
    monkeypatch.setattr("indexer.settings.available_cores", lambda: 2)
    assert Settings.from_env({}).workers == 1 and Settings.from_env({}).encoder_threads == 2
    two = Settings.from_env({P + "WORKERS": "2"})
    assert two.workers == 2 and two.encoder_threads == 1
    assert Settings.from_env({}, workers=8).encoder_threads == 1


def test_two_worker_processes_serve(tmp_path, fake_embedder):
    """--workers 2 starts two processes that each answer from the index."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from indexer.build import build_index

    from .conftest import SEED_CORPUS

    build_index(SEED_CORPUS, tmp_path / "index", fake_embedder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, P + "EMBEDDER": "fake"}
    proc = subprocess.Popen([sys.executable, "-m", "search_app", "--index", str(tmp_path / "index"),
                             "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.2)
        body = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "JCLEC", "k": 1}).json()
        assert body["results"][0]["chunk_id"]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert output.count("Started server process") == 2


def test_every_setting_is_described_once():
    described = Settings.describe()
    names = [name for name, _, _ in described]
    assert len(names) == len(set(names)) and P + "BATCH_SIZE" in names and P + "ADMIN_TOKEN" in names
    assert dict((n, d) for n, d, _ in described)[P + "ADMIN_TOKEN"] == "unset"  # a secret's default is not shown
    assert all(help_ for _, _, help_ in described)


def test_the_indexer_reads_the_same_settings(tmp_path):
    settings = Settings.from_env({P + "BATCH_SIZE": "8", P + "CORPUS": str(tmp_path)})
    assert settings.batch_size == 8 and settings.corpus == tmp_path
    with pytest.raises(ConfigError, match=P + "BATCH_SIZE must be a whole number"):
        Settings.from_env({P + "BATCH_SIZE": "lots"})
