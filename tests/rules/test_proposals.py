"""Proposed times at their edges: two business hours ahead, the quarter hour, desk hours."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.calls import CallWindow, DeskHours
from bot.rules.proposals import (
    DeskHoursError,
    business_days_end,
    business_hours_after,
    earliest_proposal,
    next_desk_time,
    parse_desk_hours,
    read_desk_hours,
    slot_in,
    split_partners,
)

NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Mon Nov 23 2026 in New York."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "earliest"),
    [
        (ny(23, 8), ny(23, 10)),  # drafted at 8:00: never "today at 8"
        (ny(23, 6), ny(23, 9)),  # before the business day, it starts counting at 7:00
        (ny(23, 17, 30), ny(24, 8)),  # an hour left today, an hour tomorrow
        (ny(23, 18, 30), ny(24, 9)),  # the day is over
        (ny(27, 18), ny(30, 8, 30)),  # Friday evening: the weekend does not count
        (ny(28, 12), ny(30, 9)),  # Saturday
    ],
)
def test_two_business_hours_ahead(now: datetime, earliest: datetime) -> None:
    assert earliest_proposal(now, NY) == earliest


def test_public_holidays_are_not_business_hours() -> None:
    thanksgiving = date(2026, 11, 26)
    assert business_hours_after(ny(25, 18), 2, NY, {thanksgiving}) == ny(27, 8, 30)


def test_business_hours_are_counted_on_the_prospects_clock() -> None:
    # 8:00 in New York is 7:00 in Chicago: their day has just begun.
    now = ny(23, 8)
    assert business_hours_after(now, 2, CHICAGO) == datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("earliest", "slot"),
    [
        (ny(23, 6), ny(23, 7)),  # before the window: its start
        (ny(23, 7, 1), ny(23, 7, 15)),  # inside: the next quarter hour
        (ny(23, 7, 15), ny(23, 7, 15)),
    ],
)
def test_the_slot_is_a_quarter_hour_inside_the_window(earliest: datetime, slot: datetime) -> None:
    window = CallWindow(ny(23, 7), ny(23, 8, 30), "before 8:30", "America/New_York")
    assert slot_in(window, earliest) == slot


def test_a_window_that_closes_first_has_no_slot() -> None:
    window = CallWindow(ny(23, 7), ny(23, 8, 30), "before 8:30", "America/New_York")
    with pytest.raises(ValueError, match="closes"):
        slot_in(window, ny(23, 8, 20))


def test_business_days_end_skips_the_weekend() -> None:
    assert business_days_end(ny(27, 10), 5, NY) == datetime(2026, 12, 5, tzinfo=NY)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("9-12", time(9), time(12)),
        ("9:30-12", time(9, 30), time(12)),
        ("9am-12pm", time(9), time(12)),
        ("2-5", time(14), time(17)),
        ("2pm-5pm", time(14), time(17)),
        ("11-2", time(11), time(14)),
        ("14:00 to 17:30", time(14), time(17, 30)),
        ("8 – 11", time(8), time(11)),
    ],
)
def test_desk_hours_are_read_as_reps_say_them(typed: str, start: time, end: time) -> None:
    hours = parse_desk_hours(typed)
    assert (hours.start, hours.end) == (start, end)
    assert read_desk_hours(hours.stored()) == hours


@pytest.mark.parametrize("typed", ["mornings", "9", "12-9am", "13pm-2pm", "25-26", ""])
def test_unreadable_desk_hours_are_refused_quoting_them(typed: str) -> None:
    with pytest.raises(DeskHoursError) as info:
        parse_desk_hours(typed)
    assert f"“{typed.strip()}”" in info.value.message


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (ny(23, 8), ny(23, 9)),  # still ahead today
        (ny(23, 9, 30), ny(24, 9)),  # already started: a message is heard later
        (ny(27, 13), ny(30, 9)),  # Friday afternoon: Monday
    ],
)
def test_the_next_desk_period_has_not_started_yet(now: datetime, start: datetime) -> None:
    desk = DeskHours(time(9), time(12))
    assert next_desk_time(desk, NY, now) == (start, start.replace(hour=12))


def test_partners_are_split_on_commas() -> None:
    assert split_partners(" Acme Audit, Beta Books ,, ") == ("Acme Audit", "Beta Books")
    assert split_partners(None) == ()
