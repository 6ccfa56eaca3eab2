"""The suite empties TEST_DATABASE_URL's database: it refuses one not named for tests."""

from __future__ import annotations

import pytest

from tests.conftest import check_may_drop


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres@127.0.0.1:5432/test", "postgresql://u@db/test_minqing"],
)
def test_a_test_database_may_be_dropped(url, monkeypatch):
    monkeypatch.delenv("MINQING_TEST_DB_DROP_OK", raising=False)
    check_may_drop(url)


@pytest.mark.parametrize(
    "url", ["postgresql://u@db/minqing", "postgresql://u@db/postgres", "postgresql://u@db/"]
)
def test_any_other_database_is_refused_with_the_reason(url, monkeypatch):
    monkeypatch.delenv("MINQING_TEST_DB_DROP_OK", raising=False)
    with pytest.raises(pytest.exit.Exception, match="MINQING_TEST_DB_DROP_OK=1"):
        check_may_drop(url)


def test_the_user_may_say_it_may_go(monkeypatch):
    monkeypatch.setenv("MINQING_TEST_DB_DROP_OK", "1")
    check_may_drop("postgresql://u@db/minqing")
