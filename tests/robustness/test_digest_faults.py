"""Slack misbehaving during a digest run: every reachable rep still gets exactly one digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.runtime.slack_standin import SlackStandIn
from storage.db import make_session_factory
from tests.services.test_digest_delivery import add_rep, posted, tick

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
