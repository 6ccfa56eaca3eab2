"""The name an attachment is shown and downloaded under, made from what the uploader sent.

Chinese (and any other script) is kept: werkzeug's secure_filename keeps ASCII only, so
"路灯照片.jpg" would become "jpg". Dropped: any folder part (both slash kinds: a name like
"../../etc/passwd" or "C:\\fakepath\\x.pdf" is its last part), control characters, the
Unicode format characters (the right-to-left override of "photo\u202egpj.exe"), characters
Windows refuses in names, leading dots and spaces. The file on disk is named by a random id,
so a name never reaches a path.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 120  # characters, extension included
FALLBACK = "attachment"
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")


def clean(raw: str | None) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    name = _WINDOWS_RESERVED.sub("_", name)
    name = _SPACES.sub(" ", name).strip()
    stem, ext = split_extension(name)
    stem = stem.lstrip(". ").rstrip()  # no hidden files, no "...": a name of its own
    if not stem.strip("._ "):
        stem = FALLBACK
    return shorten(f"{stem}.{ext}" if ext else stem, MAX_LENGTH)


def split_extension(name: str) -> tuple[str, str]:
    """("照片", "jpg") for "照片.jpg"; ("照片", "") without an extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext or len(ext) > 10 or " " in ext:
        return name, ""
    return stem, ext


def with_extension(name: str, extension: str, known: frozenset[str]) -> str:
    """The name with an extension that says what the file is: its own when it is one of the
    type's `known` extensions, else the type's (a PDF sent as "scan.jpg" is "scan.pdf")."""
    stem, ext = split_extension(name)
    if ext.lower() in known:
        return name
    return shorten(f"{stem}.{extension}", MAX_LENGTH)


def shorten(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    stem, ext = split_extension(name)
    if not ext:
        return name[:limit]
    return stem[: max(1, limit - len(ext) - 1)] + "." + ext
