"""Row ids as clients send them: ASCII digits naming a value an INTEGER column can hold.

One parser for paths, query strings and case references, so that "١٢", "²", "1_000", " 7" or
2**63 never reach the database driver (which fails on them, or worse, finds another row)."""

from __future__ import annotations

import re

# Every id column is an INTEGER (32-bit signed on PostgreSQL); ids start at 1.
MAX_ID = 2**31 - 1
# Ten digits hold every valid id; a longer run of digits is out of range without converting it.
ID_PATTERN = r"[0-9]{1,10}"
_ID = re.compile(ID_PATTERN)


def parse_id(text: str) -> int | None:
    """The id that `text` spells in ASCII digits, or None when it spells none in range."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
