"""Configuration read from the environment; one class, overridable per app instance."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url(url: str) -> str:
    """psycopg 3 is the PostgreSQL driver we ship; accept the plain postgresql:// form too."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("MINQING_SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'minqing.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PROCESSES_DIR = str(ROOT / "processes")
    FORMS_DIR = str(ROOT / "forms")
    MAIN_PROCESS = "hotline_case"

    # flask-smorest / OpenAPI
    API_TITLE = "Minqing 12345 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    TOKEN_MAX_AGE_SECONDS = 12 * 3600

    # Hotline rules (settings a city tunes).
    MAX_RETURNS_PER_CASE = int(os.environ.get("MINQING_MAX_RETURNS", "2"))
    MAX_EXTENSIONS_PER_CASE = int(os.environ.get("MINQING_MAX_EXTENSIONS", "1"))
    MAX_EXTENSION_DAYS = int(os.environ.get("MINQING_MAX_EXTENSION_DAYS", "15"))
    MAX_REVISIT_TRIES = int(os.environ.get("MINQING_MAX_REVISIT_TRIES", "3"))
    # "dispatch": the handling clock starts when the city centre first transfers the case;
    # "sign": it starts when the handling department signs for it.
    HANDLING_CLOCK_STARTS_AT = os.environ.get("MINQING_HANDLING_CLOCK_STARTS_AT", "sign")
    # Whether the handling clock stops while a return or extension request awaits a decision.
    PAUSE_CLOCK_WHILE_DECIDING = os.environ.get("MINQING_PAUSE_CLOCK", "1") == "1"
    WORKDAY_START = os.environ.get("MINQING_WORKDAY_START", "09:00")
    WORKDAY_END = os.environ.get("MINQING_WORKDAY_END", "17:00")

    # The sandbox a diagram's code runs in (see README "What a diagram's script may do").
    # Wall-clock time one script or condition may run before it is stopped.
    SCRIPT_TIME_LIMIT_SECONDS = float(os.environ.get("MINQING_SCRIPT_TIME_LIMIT", "1.0"))
    # How much a worker may grow while one script runs. Routing scripts need kilobytes; 64 MB
    # is four orders of magnitude above that and keeps a ~150 MB worker far from the memory
    # ceiling of a small container even when the one value being built overshoots (a single
    # value is capped at 1/64 of this, see app/engine/limits.py).
    SCRIPT_MEMORY_LIMIT_MB = float(os.environ.get("MINQING_SCRIPT_MEMORY_LIMIT_MB", "64"))
    # A .bpmn file larger than this is refused at validate and deploy.
    PROCESS_FILE_MAX_BYTES = int(os.environ.get("MINQING_PROCESS_FILE_MAX_BYTES", str(2**20)))
