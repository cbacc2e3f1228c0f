"""Settings: environment over defaults, command line over environment, and a clear error that
names the variable for every value we cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ConfigError
from search_app.__main__ import main
from search_app.settings import Settings

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
    ("RELOAD_INTERVAL", "0"), ("EMBEDDER", "gpt"), ("CORS_ORIGINS", "example.org"), ("ADMIN_TOKEN", "short"),
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
