"""A dictionary of at most `size` entries that forgets the least recently used one.

The write path keeps compiled SQL per statement object. Statements are meant to be built once
(module constants), so the entries are a small fixed set; a caller that builds a statement per
call would otherwise add an entry per call for the life of the process. The bound turns that
mistake into recompiling, never into a leak.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a cache of no entries")
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The entry for `key`, built (and the oldest entry dropped past `size`) when missing."""
        entries = self._entries
        try:
            value = entries[key]
        except KeyError:
            value = entries[key] = build()
            if len(entries) > self.size:
                entries.popitem(last=False)
            return value
        entries.move_to_end(key)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
