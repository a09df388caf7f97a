"""Reminders through the real app: a follow-up set with /logcall comes as a DM at its minute on
the rep's clock, once; an owed return call is nudged with 4 hours left; calls, snoozes and
`/digest reminders off` are honoured."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.config import Settings
from bot.services.digest_delivery import TickReport
from bot.services.reminders import run_reminder_tick
from bot.services.slack_delivery import digest_web_client
from storage.models import DeliveryRow
from tests.blockkit import assert_valid_message
from tests.handlers.interactions import click, text_of
from tests.slack import SlackHarness

# Friday 30 Oct 2026, 10:00 in Chicago (CDT, UTC-5). Clocks go back on Sunday 1 Nov, so
# Monday 8:00 AM is 14:00 UTC (CST, UTC-6), not 13:00.
FRIDAY_BEFORE_DST_ENDS = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)
MONDAY_8AM_CHICAGO = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def tick(slack: SlackHarness, now: datetime, *, dry_run: bool = False) -> TickReport:
    client = digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    )
    return run_reminder_tick(slack.session_factory, lambda team: client, now, dry_run=dry_run)


def reminders(slack: SlackHarness) -> list[dict[str, Any]]:
    """Every DM posted, validated as Block Kit."""
    posts = [call.args for call in slack.standin.calls_to("chat.postMessage")]
    for post in posts:
        assert_valid_message(post)
    return posts


def buttons(post: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of the DM's buttons."""
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    actions = next(b for b in blocks if b["type"] == "actions")
    return {e["action_id"]: e.get("value") for e in actions["elements"]}


@pytest.fixture
def follow_up_monday(slack: SlackHarness) -> SlackHarness:
    slack.clock.now = FRIDAY_BEFORE_DST_ENDS
    reply = slack.command(
        ids.LOGCALL, 'Jane Doe vm phone:+1 312 555 0100 cell:312-555-0199 next:"mon 8am"'
    )
    assert "Mon Nov 2, 8:00 AM CST" in reply.text
    slack.standin.clear()
    return slack


def test_a_follow_up_comes_once_at_its_minute_on_the_reps_clock_across_dst(
    follow_up_monday: SlackHarness,
) -> None:
    slack = follow_up_monday
    # 8:00 CDT would be 13:00 UTC: the clocks went back, so that is 7:00 for the rep.
    assert tick(slack, MONDAY_8AM_CHICAGO - timedelta(hours=1)).due == 0
    assert tick(slack, MONDAY_8AM_CHICAGO - MINUTE).due == 0
    assert reminders(slack) == []

    first = tick(slack, MONDAY_8AM_CHICAGO)
    again = tick(slack, MONDAY_8AM_CHICAGO + MINUTE)

    assert len(first.sent) == 1 and again.sent == []
    (post,) = reminders(slack)
    assert post["channel"] == "U1"
    text = text_of(post)
    assert "Time to call *Jane Doe*" in text
    assert "<tel:+13125550100|312-555-0100>" in text
    assert "Mon Nov 2, 8:00 AM CST" in text
    assert set(buttons(post)) == {
        ids.DIGEST_LOG_CALL,
        ids.DIGEST_DRAFT_VOICEMAIL,
        ids.REMINDER_SNOOZE_HOUR,
        ids.REMINDER_SNOOZE_TOMORROW,
    }


def test_a_dry_run_shows_the_reminder_and_sends_nothing(follow_up_monday: SlackHarness) -> None:
    report = tick(follow_up_monday, MONDAY_8AM_CHICAGO, dry_run=True)

    (message,) = report.previews.values()
    assert "Time to call *Jane Doe*" in text_of(message)
    assert reminders(follow_up_monday) == []
    with follow_up_monday.session_factory() as session:
        assert session.scalars(select(DeliveryRow)).all() == []


def test_no_reminder_once_the_prospect_was_called(follow_up_monday: SlackHarness) -> None:
    slack = follow_up_monday
    slack.clock.now = MONDAY_8AM_CHICAGO - timedelta(minutes=20)
    slack.command(ids.LOGCALL, "Jane Doe connected booked a demo")
    slack.standin.clear()

    assert tick(slack, MONDAY_8AM_CHICAGO).sent == []
    assert reminders(slack) == []


def test_snooze_an_hour_brings_it_back_an_hour_later_once(follow_up_monday: SlackHarness) -> None:
    slack = follow_up_monday
    tick(slack, MONDAY_8AM_CHICAGO)
    (post,) = reminders(slack)
    slack.standin.clear()
    slack.clock.now = MONDAY_8AM_CHICAGO + MINUTE

    click(slack, ids.REMINDER_SNOOZE_HOUR, buttons(post)[ids.REMINDER_SNOOZE_HOUR])

    answer = text_of(slack.standin.calls_to("response_url")[0].args)
    assert "again Mon Nov 2, 9:01 AM CST" in answer
    slack.standin.clear()
    assert tick(slack, MONDAY_8AM_CHICAGO + timedelta(minutes=2)).sent == []
    later = MONDAY_8AM_CHICAGO + timedelta(hours=1, minutes=1)
    assert len(tick(slack, later).sent) == 1
    assert tick(slack, later + MINUTE).sent == []
    assert len(reminders(slack)) == 1


def test_snooze_till_tomorrow_skips_to_the_next_working_day(slack: SlackHarness) -> None:
    # Friday 27 Nov 2026, 16:00 in Chicago: tomorrow is Saturday, so Monday at 16:00.
    friday_4pm = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    slack.clock.now = friday_4pm - timedelta(hours=2)
    slack.command(ids.LOGCALL, 'Jane Doe vm phone:+1 312 555 0100 next:"today 4pm"')
    tick(slack, friday_4pm)
    (post,) = reminders(slack)
    slack.clock.now = friday_4pm

    click(slack, ids.REMINDER_SNOOZE_TOMORROW, buttons(post)[ids.REMINDER_SNOOZE_TOMORROW])

    assert "Mon Nov 30, 4:00 PM CST" in text_of(slack.standin.calls_to("response_url")[-1].args)
    slack.standin.clear()
    assert tick(slack, friday_4pm + timedelta(days=1)).sent == []
    assert len(tick(slack, friday_4pm + timedelta(days=3)).sent) == 1


def test_an_owed_return_call_is_nudged_with_four_hours_left(slack: SlackHarness) -> None:
    # Monday 10:00 in Chicago they called; it is owed by Tuesday 10:00, nudged at 06:00.
    slack.command(ids.LOGCALL, "Jane Doe inbound phone:+1 312 555 0100")
    slack.standin.clear()
    tuesday_6am = slack.clock.now + timedelta(hours=20)

    assert tick(slack, tuesday_6am - MINUTE).due == 0
    assert len(tick(slack, tuesday_6am).sent) == 1
    assert tick(slack, tuesday_6am + MINUTE).sent == []

    (post,) = reminders(slack)
    text = text_of(post)
    assert "Return *Jane Doe*'s call: 4 hours left" in text
    assert "call back by Tue Nov 24, 10:00 AM CST" in text


def test_no_nudge_for_an_owed_call_once_returned_or_at_the_weekend(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe inbound phone:+1 312 555 0100")
    slack.clock.now += timedelta(hours=2)
    slack.command(ids.LOGCALL, "Jane Doe connected")
    # Friday 9:00: owed by Saturday 9:00, whose 5:00 nudge falls on the rep's weekend.
    slack.clock.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    slack.command(ids.LOGCALL, "John Roe inbound phone:+1 312 555 0111")
    slack.standin.clear()

    assert tick(slack, datetime(2026, 11, 24, 12, 0, tzinfo=UTC)).sent == []
    assert tick(slack, datetime(2026, 11, 28, 11, 0, tzinfo=UTC)).sent == []
    assert reminders(slack) == []


def test_reminders_off_stops_them_and_on_brings_them_back(
    follow_up_monday: SlackHarness,
) -> None:
    slack = follow_up_monday
    reply = slack.command(ids.DIGEST, "reminders off")
    assert "No reminders" in reply.text

    assert tick(slack, MONDAY_8AM_CHICAGO).sent == []
    slack.command(ids.DIGEST, "reminders on")
    assert len(tick(slack, MONDAY_8AM_CHICAGO + MINUTE).sent) == 1


def test_a_reminder_missed_by_more_than_an_hour_is_left_to_the_digest(
    follow_up_monday: SlackHarness,
) -> None:
    assert tick(follow_up_monday, MONDAY_8AM_CHICAGO + timedelta(minutes=61)).sent == []


def test_a_reminder_slack_lost_is_retried_with_growing_waits_and_sent_once(
    follow_up_monday: SlackHarness,
) -> None:
    slack = follow_up_monday
    # Slack took the first post but its answer was lost; the DM then can't be read once.
    slack.standin.answer_next(
        "chat.postMessage", {"ok": False, "error": "internal_error"}, 500, performed=True
    )
    slack.standin.fail_next("conversations.history", "internal_error", status=500)
    outcomes = [tick(slack, MONDAY_8AM_CHICAGO + timedelta(minutes=m)) for m in range(0, 10)]
    assert [len(report.unknown) for report in outcomes[:4]] == [1, 1, 0, 0]
    # Minute 0: the post; minute 1: the DM unreadable; minute 3 (after 2): found there.
    assert [len(report.sent) for report in outcomes] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert len(reminders(slack)) == 1
    with slack.session_factory() as session:
        (row,) = session.scalars(select(DeliveryRow)).all()
    assert (row.status, row.attempts, row.failures) == ("sent", 1, 2)
