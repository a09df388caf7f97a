"""When a rep's digest is due: their wall clock, their workdays, DST and odd offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.schedule import (
    DigestSchedule,
    ScheduleError,
    due_date,
    heads_up_date,
    next_digest_at,
    parse_digest_command,
    parse_digest_days,
    parse_digest_time,
)


def schedule(tz: str, at: str = "07:30", days: str = "mon,tue,wed,thu,fri") -> DigestSchedule:
    return DigestSchedule.from_settings(at, days, tz)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "days", "now", "expected"),
    [
        # Chicago, Monday 23 Nov 2026 (CST, UTC-6): due from 13:30 UTC.
        ("America/Chicago", "mon,tue,wed,thu,fri", utc(2026, 11, 23, 13, 29, 59), None),
        ("America/Chicago", "mon,tue,wed,thu,fri", utc(2026, 11, 23, 13, 30), date(2026, 11, 23)),
        # A late tick still delivers that day, up to local midnight.
        ("America/Chicago", "mon,tue,wed,thu,fri", utc(2026, 11, 24, 5, 59), date(2026, 11, 23)),
        ("America/Chicago", "mon,tue,wed,thu,fri", utc(2026, 11, 24, 6, 0), None),
        # Saturday is not a workday.
        ("America/Chicago", "mon,tue,wed,thu,fri", utc(2026, 11, 28, 15, 0), None),
        ("America/Chicago", "sat", utc(2026, 11, 28, 15, 0), date(2026, 11, 28)),
        # Spring forward, Sunday 8 Mar 2026: 07:30 CDT is 12:30 UTC, not 13:30.
        ("America/Chicago", "sun", utc(2026, 3, 8, 12, 29), None),
        ("America/Chicago", "sun", utc(2026, 3, 8, 12, 30), date(2026, 3, 8)),
        # Fall back, Sunday 1 Nov 2026: 07:30 CST is 13:30 UTC, not 12:30.
        ("America/Chicago", "sun", utc(2026, 11, 1, 12, 30), None),
        ("America/Chicago", "sun", utc(2026, 11, 1, 13, 30), date(2026, 11, 1)),
        # Kolkata, +05:30: 07:30 IST is 02:00 UTC.
        ("Asia/Kolkata", "mon,tue,wed,thu,fri", utc(2026, 11, 23, 1, 59), None),
        ("Asia/Kolkata", "mon,tue,wed,thu,fri", utc(2026, 11, 23, 2, 0), date(2026, 11, 23)),
        # Chatham, +13:45 in its summer: Monday 07:30 there is Sunday 17:45 UTC.
        ("Pacific/Chatham", "mon,tue,wed,thu,fri", utc(2026, 11, 22, 17, 44), None),
        ("Pacific/Chatham", "mon,tue,wed,thu,fri", utc(2026, 11, 22, 17, 45), date(2026, 11, 23)),
        # Chatham in its winter, +12:45.
        ("Pacific/Chatham", "mon,tue,wed,thu,fri", utc(2026, 6, 14, 18, 45), date(2026, 6, 15)),
    ],
)
def test_due_on_the_reps_wall_clock(
    tz: str, days: str, now: datetime, expected: date | None
) -> None:
    assert due_date(schedule(tz, days=days), now) == expected


@pytest.mark.parametrize(
    ("at", "day_starts", "now", "expected"),
    [
        # A 07:30 digest, a 7:00 day, Monday 23 Nov 2026 in Chicago (CST, UTC-6).
        ("07:30", time(7), utc(2026, 11, 23, 12, 59), None),
        ("07:30", time(7), utc(2026, 11, 23, 13, 0), date(2026, 11, 23)),
        ("07:30", time(7), utc(2026, 11, 23, 13, 29), date(2026, 11, 23)),
        # From the digest time on, the digest says it all.
        ("07:30", time(7), utc(2026, 11, 23, 13, 30), None),
        # The default digest comes when the day starts; a day starting after it, likewise.
        ("07:00", time(7), utc(2026, 11, 23, 13, 0), None),
        ("07:30", time(9), utc(2026, 11, 23, 15, 0), None),
        # Not on a day without a digest.
        ("07:30", time(7), utc(2026, 11, 28, 13, 0), None),
        # The Monday after spring forward: 07:00 CDT is 12:00 UTC, not 13:00.
        ("07:30", time(7), utc(2026, 3, 9, 12, 0), date(2026, 3, 9)),
    ],
)
def test_heads_up_between_the_calling_days_start_and_the_digest(
    at: str, day_starts: time, now: datetime, expected: date | None
) -> None:
    assert heads_up_date(schedule("America/Chicago", at), day_starts, now) == expected


def test_digest_time_skipped_by_spring_forward_comes_right_after_the_gap() -> None:
    early = schedule("America/New_York", at="02:30", days="sun")
    # 01:59 EST, then the clock jumps to 03:00 EDT (07:00 UTC).
    assert due_date(early, utc(2026, 3, 8, 6, 59)) is None
    assert due_date(early, utc(2026, 3, 8, 7, 0)) == date(2026, 3, 8)


def test_next_digest_skips_to_the_next_workday_in_the_reps_zone() -> None:
    friday_evening = utc(2026, 11, 27, 23, 0)
    following = next_digest_at(schedule("America/Chicago"), friday_evening)
    assert following == datetime(2026, 11, 30, 7, 30, tzinfo=ZoneInfo("America/Chicago"))


@pytest.mark.parametrize(("text", "expected"), [("7:30", time(7, 30)), ("07:05", time(7, 5))])
def test_digest_time_reads_24_hour_clock(text: str, expected: time) -> None:
    assert parse_digest_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "7", "7.30", "seven", "7:30am", ""])
def test_bad_digest_time_is_quoted(text: str) -> None:
    with pytest.raises(ScheduleError) as problem:
        parse_digest_time(text)
    assert f"“{text}”" in problem.value.message


def test_digest_days_read_commas_or_spaces_and_full_names() -> None:
    assert parse_digest_days("Mon, wednesday fri") == frozenset({0, 2, 4})
    with pytest.raises(ScheduleError, match="funday"):
        parse_digest_days("mon,funday")
    with pytest.raises(ScheduleError):
        parse_digest_days(" , ")


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("time 7:05", "digest_time", "07:05"),
        ("days fri,mon,MON", "digest_days", "mon,fri"),
        ("pause", "paused", True),
        ("resume", "paused", False),
        ("empty on", "when_empty", True),
        ("empty OFF", "when_empty", False),
    ],
)
def test_digest_command_gives_settings_in_stored_form(text: str, field: str, value: object) -> None:
    command = parse_digest_command(text)
    assert getattr(command, field) == value
    assert command.changes_settings


@pytest.mark.parametrize("text", ["later", "time", "days", "empty maybe", "pause now", "now 8"])
def test_digest_command_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_digest_command(text)
