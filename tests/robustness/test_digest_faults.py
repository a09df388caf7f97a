"""Slack misbehaving during a digest run, slow rounds, outages and dead workers: every
reachable rep still gets exactly one digest."""

from __future__ import annotations

import time as stopwatch
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime.slack_standin import SlackStandIn
from bot.services.digest_delivery import run_digest_tick
from storage import digest as digest_store
from storage.db import make_session_factory
from storage.models import DeliveryRow
from tests.services.test_digest_delivery import add_rep, client_for, posted, tick

MONDAY_0800_NEW_YORK = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)


def test_faults_of_every_kind_leave_each_reachable_rep_with_one_digest(
    engine: Engine, standin: SlackStandIn
) -> None:
    standin.clear()
    factory = make_session_factory(engine)
    reps = [f"U{i:02d}" for i in range(12)]
    for user in [*reps, "U_NO_CHANNEL"]:
        add_rep(factory, user, "America/New_York")
    standin.fail_next("chat.postMessage", retry_after=1)
    standin.fail_next("chat.postMessage", error="internal_error", status=500, times=2)
    standin.fail_next("chat.postMessage", error="service_unavailable", status=503)
    standin.fail_for("chat.postMessage", {"channel": "U_NO_CHANNEL"}, "channel_not_found")
    standin.delay("chat.postMessage", 0)

    now = MONDAY_0800_NEW_YORK
    for _ in range(6):
        tick(factory, standin, now)
        now += timedelta(minutes=1)

    delivered = posted(standin)
    assert {user: delivered[user] for user in reps} == dict.fromkeys(reps, 1)
    assert delivered["U_NO_CHANNEL"] == 0
    standin.clear()


MONDAY_0730_CHICAGO = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


def rows(factory: sessionmaker[Session]) -> dict[str, DeliveryRow]:
    with factory() as session:
        return {row.rep_user_id: row for row in session.scalars(select(DeliveryRow))}


@pytest.mark.parametrize("later", [11, 61], ids=["11 minutes on", "61 minutes on"])
def test_a_round_still_posting_when_a_later_round_starts_sends_each_digest_once(
    engine: Engine, standin: SlackStandIn, later: int
) -> None:
    """The later round may be the next minute's on a host whose clock runs ahead, or a round
    started long after: the first round's days are its own while it lives."""
    standin.clear()
    factory = make_session_factory(engine)
    reps = [f"U{i}" for i in range(6)]
    for user in reps:
        add_rep(factory, user, "America/Chicago")
    standin.delay("chat.postMessage", 0.4)  # about a second and a half of posting

    def slow_round() -> None:
        run_digest_tick(
            factory, lambda team: client_for(standin), MONDAY_0730_CHICAGO, posts_in_flight=2
        )

    with ThreadPoolExecutor(1) as first:
        posting = first.submit(slow_round)
        deadline = stopwatch.monotonic() + 10
        while not standin.calls_to("chat.postMessage") and stopwatch.monotonic() < deadline:
            stopwatch.sleep(0.01)
        report = tick(factory, standin, MONDAY_0730_CHICAGO + timedelta(minutes=later))
        assert not posting.done(), "the first round should still be posting"
        assert not report.acted
        posting.result()
    assert posted(standin) == dict.fromkeys(reps, 1)
    assert {row.status for row in rows(factory).values()} == {"sent"}
    standin.clear()


def fail_everything(standin: SlackStandIn) -> None:
    """Slack answering every call 503 until `clear_faults()`."""
    for method in ("chat.postMessage", "conversations.open", "conversations.history"):
        standin.fail_for(method, {}, "service_unavailable", status=503)


@pytest.mark.parametrize("outage", [5, 60], ids=["5-minute outage", "60-minute outage"])
def test_a_morning_slack_outage_delivers_each_digest_once_when_slack_returns(
    engine: Engine, standin: SlackStandIn, outage: int
) -> None:
    standin.clear()
    factory = make_session_factory(engine)
    reps = [f"U{i}" for i in range(5)]
    for user in reps:
        add_rep(factory, user, "America/Chicago")
    # The first post lands, its answer lost; the rest of the morning, Slack answers 503.
    standin.answer_next(
        "chat.postMessage", {"ok": False, "error": "service_unavailable"}, 503, performed=True
    )
    fail_everything(standin)
    back = MONDAY_0730_CHICAGO + timedelta(minutes=outage)
    now = MONDAY_0730_CHICAGO
    while now < back + timedelta(minutes=20):
        if now == back:
            standin.clear_faults()
        tick(factory, standin, now)
        now += timedelta(minutes=1)

    assert Counter(m["channel"] for m in _landed(standin)) == dict.fromkeys(reps, 1)
    delivered = rows(factory)
    assert {row.status for row in delivered.values()} == {"sent"}
    for row in delivered.values():
        # Minutes after Slack came back, not at the next day's digest.
        assert row.sent_at is not None and row.sent_at <= back + timedelta(minutes=8)
        # Reading the DM while Slack was down was never counted as an attempt.
        assert row.attempts <= 2
    standin.clear()


def _landed(standin: SlackStandIn) -> list[dict[str, object]]:
    return [
        {"channel": user, **message}
        for user in {c.args["channel"] for c in standin.calls_to("chat.postMessage")}
        for message in standin.messages_in(user)
    ]


class Killed(BaseException):
    """The worker's process dying: nothing in it catches this."""


class DiesWhilePosting(WebClient):
    """A worker killed mid-post: the posts to `landed` reached Slack first, the others not."""

    def __init__(self, standin: SlackStandIn, landed: set[str]) -> None:
        super().__init__(token="xoxb-test", base_url=standin.base_url)
        self.landed = landed

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        if kwargs["channel"] in self.landed:
            super().chat_postMessage(**kwargs)
        raise Killed


def test_a_killed_workers_digests_go_out_within_two_minutes_and_once(
    engine: Engine, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.clear()
    factory = make_session_factory(engine)
    reps = [f"U{i}" for i in range(6)]
    for user in reps:
        add_rep(factory, user, "America/Chicago")
    dying = DiesWhilePosting(standin, landed={"U0", "U1", "U2"})
    with pytest.raises(Killed):
        run_digest_tick(factory, lambda team: dying, MONDAY_0730_CHICAGO)
    assert {row.status for row in rows(factory).values()} == {"posting"}

    real_clock = digest_store.database_now

    def database_clock_on(seconds: float) -> None:
        monkeypatch.setattr(
            digest_store,
            "database_now",
            lambda session: real_clock(session) + timedelta(seconds=seconds),
        )

    # Its leases hold a minute after their last renewal: the next round leaves them alone...
    database_clock_on(digest_store.LEASE.total_seconds() - 5)
    assert not tick(factory, standin, MONDAY_0730_CHICAGO + timedelta(minutes=1)).acted
    # ...and the round after, within two minutes of the death, takes every day over.
    database_clock_on(digest_store.LEASE.total_seconds() + 1)
    report = tick(factory, standin, MONDAY_0730_CHICAGO + timedelta(minutes=2))
    assert sorted(key.rep_user_id for key in report.sent) == reps
    # The three that landed before the death were found in the DM, not posted again.
    assert Counter(m["channel"] for m in _landed(standin)) == dict.fromkeys(reps, 1)
    assert len(standin.calls_to("chat.postMessage")) == 6
    standin.clear()
