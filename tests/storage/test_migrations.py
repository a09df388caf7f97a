"""The schema lives in Alembic migrations; they must match the models and run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.db import downgrade, upgrade
from storage.installations import OAUTH_METADATA
from storage.models import Base


def drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, [Base.metadata, OAUTH_METADATA]))  # type: ignore[arg-type]


def test_migrations_match_the_models(engine: Engine) -> None:
    assert drift(engine) == []


def test_migrations_run_down_and_up_again(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    expected = set(Base.metadata.tables) | set(OAUTH_METADATA.tables)
    assert expected <= set(inspect(engine).get_table_names())
    assert drift(engine) == []
