"""Engines for tests, with time limits set for a test rather than for Slack's 3 s.

Production gives the database 2 s so a rep still hears "nothing was saved" in time; a test
machine running two suites at once can take longer than that for a plain insert. Only the
tests of those limits use production's engine (`storage.db.make_engine` with its defaults).
"""

from __future__ import annotations

from sqlalchemy import Engine

from storage.db import make_engine

TEST_WAIT_SECONDS = 30
"""Long enough for a loaded machine, short enough that a real hang still ends the test."""


def roomy_engine(url: str) -> Engine:
    return make_engine(url, wait_seconds=TEST_WAIT_SECONDS)


def production_engine(engine: Engine) -> Engine:
    """The same database under production's limits, for the tests of those limits."""
    return make_engine(engine.url.render_as_string(hide_password=False))
