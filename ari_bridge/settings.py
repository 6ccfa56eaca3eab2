"""The bridge's settings, read from the environment (documented in the README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(ValueError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    ari_url: str  # MINQING_ARI_URL: Asterisk's HTTP server, e.g. http://127.0.0.1:8088/
    ari_user: str  # MINQING_ARI_USER: the ari.conf user
    ari_password: str  # MINQING_ARI_PASSWORD
    app: str  # MINQING_ARI_APP: the Stasis application the dialplan sends calls to
    web_url: str  # MINQING_WEB_URL: the web app, e.g. http://127.0.0.1:5000
    api_token: str  # MINQING_API_TOKEN: `flask telephony token`
    spool: Path  # MINQING_SPOOL: the local SQLite file of writes not yet delivered
    config_every: float = 3.0  # MINQING_CONFIG_EVERY: seconds between config polls
    voicemail_wait: float = 3.0  # seconds the caller waits to hear the new case's number
    backoff_min: float = 0.5  # reconnect backoff (ARI and the web app), doubled per failure
    backoff_max: float = 30.0
    command_wait: int = 20  # GET /commands?wait=: the long poll's seconds

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise SettingsError(f"{name} is not set")
            return value

        try:
            every = float(env.get("MINQING_CONFIG_EVERY", "3"))
        except ValueError as exc:
            raise SettingsError("MINQING_CONFIG_EVERY is not a number of seconds") from exc
        if every <= 0:
            raise SettingsError("MINQING_CONFIG_EVERY must be positive")
        return cls(
            ari_url=env.get("MINQING_ARI_URL", "http://127.0.0.1:8088/"),
            ari_user=need("MINQING_ARI_USER"),
            ari_password=need("MINQING_ARI_PASSWORD"),
            app=env.get("MINQING_ARI_APP", "hotline"),
            web_url=env.get("MINQING_WEB_URL", "http://127.0.0.1:5000"),
            api_token=need("MINQING_API_TOKEN"),
            spool=Path(env.get("MINQING_SPOOL", "instance/ari_bridge_spool.sqlite")),
            config_every=every,
        )
