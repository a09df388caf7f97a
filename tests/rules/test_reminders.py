"""When a reminder is due, and what its claim and snoozes are, on the rep's own clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.calls import Prospect
from bot.rules.reminders import (
    LATE_LIMIT,
    Reminder,
    ReminderKind,
    SnoozeFor,
    return_call_reminder_at,
    should_send,
    snoozed_until,
)

CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = frozenset(range(5))
JANE = Prospect(id=7, name="Jane Doe")
# Sunday 1 Nov 2026 is the day US clocks go back; Monday 8:00 CST is 14:00 UTC.
MONDAY_8AM = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def follow_up(at: datetime) -> Reminder:
    return Reminder(ReminderKind.FOLLOW_UP, JANE, at=at, target_id=7)


def return_call(at: datetime, called_at: datetime) -> Reminder:
    return Reminder(
        ReminderKind.RETURN_CALL,
        JANE,
        at=at,
        target_id=3,
        called_at=called_at,
        due_at=at + timedelta(hours=4),
    )


@pytest.mark.parametrize(
    ("now", "last_call", "sent"),
    [
        (MONDAY_8AM - timedelta(minutes=1), None, False),
        (MONDAY_8AM, None, True),
        (MONDAY_8AM + LATE_LIMIT - timedelta(minutes=1), None, True),
        (MONDAY_8AM + LATE_LIMIT, None, False),
        # Called before the follow-up time: the reminder still stands.
        (MONDAY_8AM, MONDAY_8AM - timedelta(hours=3), True),
        # Called after it (a late tick): nothing left to remind of.
        (MONDAY_8AM + timedelta(minutes=5), MONDAY_8AM + timedelta(minutes=2), False),
    ],
)
def test_a_follow_up_is_due_from_its_minute_for_an_hour_unless_called(
    now: datetime, last_call: datetime | None, sent: bool
) -> None:
    assert should_send(follow_up(MONDAY_8AM), now, CHICAGO, WEEKDAYS, last_call) is sent


def test_a_follow_up_set_for_the_weekend_comes_at_the_weekend() -> None:
    saturday = MONDAY_8AM - timedelta(days=2)
    assert should_send(follow_up(saturday), saturday, CHICAGO, WEEKDAYS, None)


@pytest.mark.parametrize(
    ("at", "days", "sent"),
    [
        (MONDAY_8AM, WEEKDAYS, True),
        (MONDAY_8AM - timedelta(days=2), WEEKDAYS, False),  # Saturday
        (MONDAY_8AM - timedelta(days=2), frozenset(range(7)), False),  # never at weekends
        (MONDAY_8AM, frozenset({1, 2, 3}), False),  # Monday is not one of the rep's days
    ],
)
def test_a_return_call_nudge_keeps_to_the_reps_working_days(
    at: datetime, days: frozenset[int], sent: bool
) -> None:
    reminder = return_call(at, called_at=at - timedelta(hours=20))
    assert should_send(reminder, at, CHICAGO, days, reminder.called_at) is sent


def test_a_return_call_nudge_is_dropped_once_they_were_called_back() -> None:
    reminder = return_call(MONDAY_8AM, called_at=MONDAY_8AM - timedelta(hours=20))
    called_back = MONDAY_8AM - timedelta(hours=1)
    assert not should_send(reminder, MONDAY_8AM, CHICAGO, WEEKDAYS, called_back)


def test_a_return_call_is_nudged_four_hours_before_it_lapses_unless_snoozed() -> None:
    due = MONDAY_8AM + timedelta(hours=4)
    assert return_call_reminder_at(due, None) == MONDAY_8AM
    assert return_call_reminder_at(due, MONDAY_8AM + timedelta(hours=1)) == MONDAY_8AM + timedelta(
        hours=1
    )


def test_the_claim_names_the_minute_on_the_reps_clock() -> None:
    day, name = follow_up(MONDAY_8AM).claim_name(CHICAGO)
    assert (day.isoformat(), name) == ("2026-11-02", "fu:7@0800")
    # Fits the deliveries table's kind column even for the largest ids.
    big = Reminder(ReminderKind.RETURN_CALL, JANE, at=MONDAY_8AM, target_id=2**31 - 1)
    assert len(big.claim_name(CHICAGO)[1]) <= 20


@pytest.mark.parametrize(
    ("now", "choice", "expected"),
    [
        (MONDAY_8AM + timedelta(seconds=42), SnoozeFor.HOUR, MONDAY_8AM + timedelta(hours=1)),
        # Friday 16:00 CST: tomorrow is the weekend, so Monday 16:00.
        (
            datetime(2026, 11, 27, 22, 0, tzinfo=UTC),
            SnoozeFor.TOMORROW,
            datetime(2026, 11, 30, 22, 0, tzinfo=UTC),
        ),
        # Saturday 31 Oct 8:00 CDT; Monday 8:00 is CST after the change: same wall clock.
        (datetime(2026, 10, 31, 13, 0, tzinfo=UTC), SnoozeFor.TOMORROW, MONDAY_8AM),
    ],
)
def test_snoozes(now: datetime, choice: SnoozeFor, expected: datetime) -> None:
    assert snoozed_until(choice, now, CHICAGO, WEEKDAYS) == expected
