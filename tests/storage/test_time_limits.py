"""Waits are bounded on both databases, and errors never carry the rep's data."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Answering, DatabaseResting
from storage.models import RepRow, Workspace
from tests.engines import production_engine

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_a_database_error_names_the_sql_but_not_the_values(engine: Engine) -> None:
    row = {"team_id": "T1", "user_id": "U1", "tz": "UTC", "name": "Jane Secret-Doe"}
    with engine.begin() as connection:
        connection.execute(insert(RepRow).values(**row, created_at=NOW))
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(insert(RepRow).values(**row, created_at=NOW))
    assert "INSERT INTO reps" in str(raised.value)
    assert "Secret-Doe" not in str(raised.value)


def test_a_write_lock_held_elsewhere_fails_within_two_seconds(engine: Engine) -> None:
    """What Slack's three seconds need: a clear failure in time, not a wait without end.
    The write goes through production's limits, not the test engine's roomy ones."""
    production = production_engine(engine)
    with _write_lock_held_elsewhere(engine):
        started = time.monotonic()
        with pytest.raises(OperationalError), production.begin() as connection:
            connection.execute(
                insert(Workspace).values(team_id="T1", cadence_rules={}, created_at=NOW)
            )
        assert time.monotonic() - started < 2.5
    production.dispose()


@contextmanager
def _write_lock_held_elsewhere(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(str(engine.url.database), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE")
        yield
        connection.rollback()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_after_a_silence_one_request_at_a_time_asks_the_database_again() -> None:
    clock = FakeClock()
    answering = Answering(clock)
    answering.admit()  # answering: everyone goes through
    answering.unanswered()
    with pytest.raises(DatabaseResting):
        answering.admit()  # the queue behind the waiting ones drains first
    clock.now += Answering.SETTLE_SECONDS
    answering.admit()  # this one asks
    with pytest.raises(DatabaseResting):
        answering.admit()  # while it asks, the others are answered at once
    answering.unanswered()  # the one asking gave up: the next may ask straight away
    answering.admit()
    clock.now += Answering.ASKING_SECONDS  # an asker that never reports frees its turn
    answering.admit()
    answering.answered()
    answering.admit()
    answering.admit()


def test_a_request_already_waiting_does_not_take_the_turn_of_the_one_asking() -> None:
    clock = FakeClock()
    answering = Answering(clock)
    answering.unanswered()
    clock.now += Answering.SETTLE_SECONDS
    answering.admit()
    waiting_since_before = threading.Thread(target=answering.unanswered)
    waiting_since_before.start()
    waiting_since_before.join()
    with pytest.raises(DatabaseResting):
        answering.admit()
