"""The fuzzed workspace: one SQLite file and one Slack stand-in per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.runtime.slack_standin import SlackStandIn
from storage.db import upgrade
from tests.engines import roomy_engine
from tests.robustness.fuzzing import FuzzWorkspace
from tests.slack import MONDAY_MORNING, Clock, SlackHarness


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorkspace]:
    engine = roomy_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    upgrade(engine)
    with SlackStandIn() as standin:
        fuzzed = FuzzWorkspace(SlackHarness(engine, standin, Clock(MONDAY_MORNING)))
        yield fuzzed
        fuzzed.close()
    engine.dispose()
