"""BoundedCache: at most `size` entries, the least recently used one forgotten first."""

from __future__ import annotations

import pytest

from app.bounded_cache import BoundedCache


def test_keeps_at_most_size_entries_dropping_the_least_recently_used():
    cache: BoundedCache[str, int] = BoundedCache(2)
    built: list[str] = []

    def get(key: str) -> int:
        return cache.get(key, lambda: built.append(key) or len(built))

    assert [get("a"), get("b"), get("a")] == [1, 2, 1]  # "a" is now the most recent
    get("c")  # drops "b"
    assert len(cache) == 2
    assert get("a") == 1 and get("b") == 4  # "b" was built again
    assert built == ["a", "b", "c", "b"]


def test_a_cache_of_no_entries_is_refused():
    with pytest.raises(ValueError):
        BoundedCache(0)
