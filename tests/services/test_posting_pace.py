"""Each workspace's posts paced to its budget, on a clock the test drives (no timings)."""

from __future__ import annotations

import pytest

from bot.services import slack_delivery
from bot.services.slack_delivery import RateLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(slack_delivery.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(slack_delivery.time, "sleep", fake.sleep)
    return fake


def went_at(limits: RateLimits, clock: FakeClock, team: str, posts: int) -> list[float]:
    times = []
    for _ in range(posts):
        limits.wait(team)
        times.append(round(clock.now, 6))
    return times


def test_a_workspace_posts_at_its_pace_after_a_short_catch_up(clock: FakeClock) -> None:
    limits = RateLimits(per_second=10)
    assert went_at(limits, clock, "T1", 6) == [100.0, 100.0, 100.0, 100.1, 100.2, 100.3]


def test_workspaces_are_paced_apart(clock: FakeClock) -> None:
    limits = RateLimits(per_second=10)
    went_at(limits, clock, "T1", 5)
    # T1's pace does not hold T2 up.
    assert went_at(limits, clock, "T2", 1) == [100.2]


def test_a_retry_after_holds_the_workspace_then_the_pace_resumes(clock: FakeClock) -> None:
    limits = RateLimits(per_second=10)
    went_at(limits, clock, "T1", 3)
    limits.hold("T1", 2)
    assert went_at(limits, clock, "T1", 2) == [102.0, 102.0]


def test_without_a_pace_only_retry_after_waits(clock: FakeClock) -> None:
    limits = RateLimits()
    assert went_at(limits, clock, "T1", 3) == [100.0] * 3
    limits.hold("T1", 1)
    assert went_at(limits, clock, "T1", 1) == [101.0]
