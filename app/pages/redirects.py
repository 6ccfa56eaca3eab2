"""Where a page may send the browser next: only a path of this site (no open redirect)."""

from __future__ import annotations

from flask import url_for


def local_target(target: str | None, fallback: str = "pages_home.home") -> str:
    target = target or ""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 for ch in target)
    ):
        return url_for(fallback)
    return target
