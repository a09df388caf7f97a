"""Fixtures shared by the suite: both databases, the Slack stand-in and a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text

from bot.runtime.slack_standin import SlackStandIn
from storage.db import upgrade
from storage.installations import OAUTH_METADATA
from storage.models import Base
from tests.engines import roomy_engine
from tests.slack import MONDAY_MORNING, Clock, SlackHarness

# CI replays the same examples every run and keeps no example database between runs, so a
# red build always means a change broke something, never that Hypothesis drew a new case.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    from tests.postgres import require_postgres

    cluster = require_postgres()
    url = cluster.start()
    engine = roomy_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Every storage-touching test runs on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "phonetag.db"
        sqlite = roomy_engine(f"sqlite:///{path}")
        upgrade(sqlite)
        yield sqlite
        sqlite.dispose()
        return
    postgres: Engine = request.getfixturevalue("postgres_engine")
    yield postgres
    # Bolt's installation store too: a test that installs T1 must not leave its bot behind
    # for the next test on this worker's database (forgetting T1 deletes those rows as well).
    stored = [*Base.metadata.sorted_tables, *OAUTH_METADATA.sorted_tables]
    tables = ", ".join(table.name for table in stored)
    with postgres.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
def slack(engine: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[SlackHarness]:
    standin.clear()
    standin.users.clear()
    yield SlackHarness(engine, standin, clock)
