"""`python -m ari_bridge`: run the bridge with the settings from the environment."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

from ari_bridge.service import Service
from ari_bridge.settings import Settings, SettingsError


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("MINQING_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("asyncari").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ari_bridge: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Service(settings).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
