"""The throwaway cluster really is PostgreSQL 15 and reachable through SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.postgres import ThrowawayPostgres, require_postgres


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    cluster = require_postgres()
    cluster.start()
    yield cluster
    cluster.stop()


def test_sqlalchemy_connects_to_postgresql_15(postgres: ThrowawayPostgres) -> None:
    assert postgres.url is not None
    engine = create_engine(postgres.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
            assert "PostgreSQL 15" in conn.execute(text("SELECT version()")).scalar_one()
    finally:
        engine.dispose()


def test_create_database_gives_an_empty_separate_database(postgres: ThrowawayPostgres) -> None:
    url = postgres.create_database("module_scratch")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("select current_database()")).scalar_one() == "module_scratch"
            conn.execute(text("create table t (id int)"))
    finally:
        engine.dispose()


def test_stop_removes_the_cluster() -> None:
    cluster = require_postgres()
    cluster.start()
    root = cluster._root
    assert root is not None and root.exists()

    cluster.stop()
    cluster.stop()

    assert not root.exists()
    assert cluster.url is None


def test_missing_postgres_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(ThrowawayPostgres, "unavailable_reason", lambda self: "no binaries")

    with pytest.raises(pytest.fail.Exception):
        require_postgres()


def test_missing_postgres_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(ThrowawayPostgres, "unavailable_reason", lambda self: "no binaries")

    with pytest.raises(pytest.skip.Exception):
        require_postgres()
