"""An attachment's type, read from its first bytes (the `filetype` library's signatures).

The type the browser declared and the file's extension are the uploader's word and are not
trusted: an executable renamed "photo.jpg" is an executable, and refused. Text files and
anything without a signature the library knows are refused too (none is on the allowed list).
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

# Bytes the signatures need (office documents are found by their first ZIP entries).
HEAD_BYTES = 8192
# Extensions a file of each type may already carry (the first is the one given to a file whose
# name says something else).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "application/msword": ("doc",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.ms-powerpoint": ("ppt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "audio/mpeg": ("mp3",),
    "audio/x-wav": ("wav",),
    "audio/amr": ("amr",),
    "audio/ogg": ("ogg", "oga", "opus"),
    "audio/mp4": ("m4a", "mp4"),
}
# Shown in the page (an <img>) rather than only downloaded; never SVG (it can carry script).
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Detected:
    mime: str  # "" when no signature matched
    extension: str


def detect(head: bytes) -> Detected:
    kind = filetype.guess(head[:HEAD_BYTES])
    if kind is None:
        return Detected("", "")
    return Detected(str(kind.mime), str(kind.extension))


def extensions_of(mime: str, detected_extension: str = "") -> tuple[str, ...]:
    return EXTENSIONS.get(mime) or ((detected_extension,) if detected_extension else ())
