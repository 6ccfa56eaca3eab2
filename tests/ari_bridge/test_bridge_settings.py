"""`python -m ari_bridge` reads its settings from the environment and refuses to start
without the ones it cannot guess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ari_bridge.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
ENV = {"MINQING_ARI_USER": "minqing", "MINQING_ARI_PASSWORD": "pw", "MINQING_API_TOKEN": "t"}


def test_defaults_and_overrides():
    settings = Settings.from_env(ENV)
    assert settings.ari_url == "http://127.0.0.1:8088/" and settings.app == "hotline"
    assert settings.web_url == "http://127.0.0.1:5000" and settings.config_every == 3.0
    other = Settings.from_env({**ENV, "MINQING_ARI_APP": "city", "MINQING_CONFIG_EVERY": "1.5",
                               "MINQING_SPOOL": "/tmp/x.sqlite"})  # fmt: skip
    assert other.app == "city" and other.config_every == 1.5 and str(other.spool) == "/tmp/x.sqlite"


@pytest.mark.parametrize(
    "env, message",
    [
        ({k: v for k, v in ENV.items() if k != "MINQING_API_TOKEN"}, "MINQING_API_TOKEN"),
        ({**ENV, "MINQING_ARI_PASSWORD": "  "}, "MINQING_ARI_PASSWORD"),
        ({**ENV, "MINQING_CONFIG_EVERY": "soon"}, "MINQING_CONFIG_EVERY"),
        ({**ENV, "MINQING_CONFIG_EVERY": "0"}, "MINQING_CONFIG_EVERY"),
    ],
)
def test_missing_or_bad_settings_are_refused(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_the_process_says_what_is_missing():
    command = [sys.executable, "-m", "ari_bridge"]
    result = subprocess.run(command, cwd=ROOT, env={"PATH": "/usr/bin"},
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "MINQING_ARI_USER is not set" in result.stderr
