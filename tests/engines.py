"""Engines for tests, with time limits set for a test rather than for Slack's 3 s.

Production gives the database 2 s so a rep still hears "nothing was saved" in time; a test
machine running two suites at once can take longer than that for a plain insert. Only the
tests of those limits use production's engine (`storage.db.make_engine` with its defaults).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from storage.db import _SilenceLimited, make_engine

TEST_WAIT_SECONDS = 30
"""Long enough for a loaded machine, short enough that a real hang still ends the test."""


def roomy_engine(url: str) -> Engine:
    return make_engine(url, wait_seconds=TEST_WAIT_SECONDS)


def production_engine(engine: Engine) -> Engine:
    """The same database under production's limits, for the tests of those limits."""
    return make_engine(engine.url.render_as_string(hide_password=False))


@dataclass
class Traffic:
    """What an engine sent while `counted`: each SQL statement, and each answer waited for."""

    statements: list[str] = field(default_factory=list)
    round_trips: int = 0


@contextmanager
def counted(engine: Engine) -> Iterator[Traffic]:
    """The statements and round trips of `engine` while inside. On PostgreSQL a round trip
    is each answer psycopg waits for (a statement, and the BEGIN, COMMIT or ROLLBACK it sends
    of its own); on SQLite, where nothing travels, each statement, commit and rollback."""
    traffic = Traffic()

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        traffic.statements.append(sql)
        if engine.dialect.name != "postgresql":
            traffic.round_trips += 1

    def end(_conn: object) -> None:
        traffic.round_trips += 1

    waited = _SilenceLimited.wait

    def wait(self: _SilenceLimited, *args: Any, **kwargs: Any) -> Any:
        traffic.round_trips += 1
        return waited(self, *args, **kwargs)

    event.listen(engine, "before_cursor_execute", statement)
    if engine.dialect.name == "postgresql":
        _SilenceLimited.wait = wait  # type: ignore[method-assign]
    else:
        event.listen(engine, "commit", end)
        event.listen(engine, "rollback", end)
    try:
        yield traffic
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        if engine.dialect.name == "postgresql":
            _SilenceLimited.wait = waited  # type: ignore[method-assign]
        else:
            event.remove(engine, "commit", end)
            event.remove(engine, "rollback", end)
