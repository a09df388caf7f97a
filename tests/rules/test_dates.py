from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.dates import DateError, add_business_days, day_start, resolve_earlier, resolve_when

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
# Monday, 10:00 in Chicago.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today 4pm", datetime(2026, 11, 23, 16, 0)),
        ("Today 4PM", datetime(2026, 11, 23, 16, 0)),
        ("4pm", datetime(2026, 11, 23, 16, 0)),
        ("at 4:15 pm", datetime(2026, 11, 23, 16, 15)),
        ("tomorrow 9am", datetime(2026, 11, 24, 9, 0)),
        ("tomorrow", datetime(2026, 11, 24, 9, 0)),
        ("tmrw 2:30pm", datetime(2026, 11, 24, 14, 30)),
        ("9am tomorrow", datetime(2026, 11, 24, 9, 0)),
        ("noon tomorrow", datetime(2026, 11, 24, 12, 0)),
        ("tomorrow 15:00", datetime(2026, 11, 24, 15, 0)),
        ("thu 8am", datetime(2026, 11, 26, 8, 0)),
        ("thursday", datetime(2026, 11, 26, 9, 0)),
        ("THURS 3pm", datetime(2026, 11, 26, 15, 0)),
        ("on fri at 4 p.m.", datetime(2026, 11, 27, 16, 0)),
        # Today is Monday: 11am is still ahead, 9am (the default) has passed.
        ("monday 11am", datetime(2026, 11, 23, 11, 0)),
        ("mon", datetime(2026, 11, 30, 9, 0)),
        ("next tue", datetime(2026, 11, 24, 9, 0)),
        ("next tuesday 2:30pm", datetime(2026, 11, 24, 14, 30)),
        ("next monday 11am", datetime(2026, 11, 30, 11, 0)),
        ("next sun", datetime(2026, 11, 29, 9, 0)),
        ("in 3 days", datetime(2026, 11, 26, 10, 0)),
        ("in 2 hours", datetime(2026, 11, 23, 12, 0)),
        ("in 30 mins", datetime(2026, 11, 23, 10, 30)),
        ("in 1 week", datetime(2026, 11, 30, 10, 0)),
        ("in a week", datetime(2026, 11, 30, 10, 0)),
        ("in 2 days 3pm", datetime(2026, 11, 25, 15, 0)),
        ("in 1 month", datetime(2026, 12, 23, 10, 0)),
        ("June 6 10am", datetime(2027, 6, 6, 10, 0)),
        ("6/6 10am", datetime(2027, 6, 6, 10, 0)),
        ("jun 6", datetime(2027, 6, 6, 9, 0)),
        ("1/15", datetime(2027, 1, 15, 9, 0)),
        ("Dec 1st 3pm", datetime(2026, 12, 1, 15, 0)),
        ("nov 23 5pm", datetime(2026, 11, 23, 17, 0)),
        ("12/25/2027", datetime(2027, 12, 25, 9, 0)),
        ("2026-12-01", datetime(2026, 12, 1, 9, 0)),
        ("2026-12-01T09:30", datetime(2026, 12, 1, 9, 30)),
        ("2026-12-01 09:30-05:00", datetime(2026, 12, 1, 8, 30)),
        ("2026-12-01T15:30Z", datetime(2026, 12, 1, 9, 30)),
        ("2026-12-01 15:30 UTC", datetime(2026, 12, 1, 9, 30)),
    ],
)
def test_resolve_when(text: str, expected: datetime) -> None:
    when = resolve_when(text, NOW, CHICAGO)
    assert when.tzinfo == CHICAGO
    assert when.replace(tzinfo=None) == expected
    assert when == expected.replace(tzinfo=CHICAGO)


def test_now_in_another_zone_is_read_in_the_reps_zone() -> None:
    # 03:00 UTC on Tuesday is still Monday evening in Chicago.
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert resolve_when("tomorrow 9am", now, CHICAGO) == datetime(2026, 11, 24, 9, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("now", "text", "utc"),
    [
        # Spring forward: 09:00 is EDT the next morning, not 24 hours later.
        (datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK), "tomorrow 9am", datetime(2026, 3, 8, 13)),
        (datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK), "in 1 day", datetime(2026, 3, 8, 14)),
        (datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK), "in 24 hours", datetime(2026, 3, 8, 15)),
        # Fall back.
        (datetime(2026, 10, 31, 10, 0, tzinfo=NEW_YORK), "tomorrow 9am", datetime(2026, 11, 1, 14)),
        (datetime(2026, 10, 31, 10, 0, tzinfo=NEW_YORK), "sun", datetime(2026, 11, 1, 14)),
        # 02:30 does not exist on 2026-03-08: shifted forward by the gap to 03:30 EDT.
        (
            datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK),
            "tomorrow 2:30am",
            datetime(2026, 3, 8, 7, 30),
        ),
        # 01:30 happens twice on 2026-11-01: the first (EDT) occurrence.
        (
            datetime(2026, 10, 31, 10, 0, tzinfo=NEW_YORK),
            "tomorrow 1:30am",
            datetime(2026, 11, 1, 5, 30),
        ),
    ],
)
def test_wall_clock_across_dst(now: datetime, text: str, utc: datetime) -> None:
    when = resolve_when(text, now, NEW_YORK)
    assert when.astimezone(UTC).replace(tzinfo=None) == utc
    assert when.tzinfo == NEW_YORK


def test_tomorrow_9am_before_spring_forward_is_edt() -> None:
    when = resolve_when("tomorrow 9am", datetime(2026, 3, 7, 10, tzinfo=NEW_YORK), NEW_YORK)
    assert (when.hour, when.minute) == (9, 0)
    assert when.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize(
    "text",
    ["yesterday 9am", "today 9am", "today", "nov 23 8am", "6/6/2025", "2026-11-23 09:59"],
)
def test_past_times_are_refused(text: str) -> None:
    with pytest.raises(DateError) as info:
        resolve_when(text, NOW, CHICAGO)
    assert info.value.message == f"“{text}” is in the past — follow-ups must be in the future."


@pytest.mark.parametrize(
    "text",
    [
        "blurg",
        "31 feb",
        "",
        "next",
        "next today",
        "tomorrow 3",
        "tomorrow 13pm",
        "thu 25:00",
        "june",
        "5th",
        "10",
        "in 3 parsecs",
        "in 2 hours 4pm",
        "in 99999999 days",
        "june 6 10am please",
    ],
)
def test_garbage_is_refused_with_examples(text: str) -> None:
    with pytest.raises(DateError) as info:
        resolve_when(text, NOW, CHICAGO)
    assert f"“{text}”" in info.value.message
    assert "tomorrow 9am" in info.value.message
    assert "in 3 days" in info.value.message


def test_unknown_zone_name_is_named() -> None:
    with pytest.raises(DateError) as info:
        resolve_when("2026-12-01 09:30 EST", NOW, CHICAGO)
    assert "“EST”" in info.value.message
    assert "America/Chicago" in info.value.message


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        resolve_when("tomorrow", datetime(2026, 11, 23, 10), CHICAGO)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (datetime(2026, 11, 27, 10, 0), 1, datetime(2026, 11, 30, 10, 0)),  # Fri -> Mon
        (datetime(2026, 11, 28, 10, 0), 1, datetime(2026, 11, 30, 10, 0)),  # Sat -> Mon
        (datetime(2026, 11, 29, 16, 30), 1, datetime(2026, 11, 30, 16, 30)),  # Sun -> Mon
        (datetime(2026, 11, 26, 8, 0), 2, datetime(2026, 11, 30, 8, 0)),  # Thu -> Mon
        (datetime(2026, 11, 23, 10, 0), 5, datetime(2026, 11, 30, 10, 0)),  # Mon -> Mon
        (datetime(2026, 11, 23, 10, 0), 10, datetime(2026, 12, 7, 10, 0)),
        (datetime(2026, 11, 25, 10, 0), 0, datetime(2026, 11, 25, 10, 0)),
    ],
)
def test_add_business_days(start: datetime, days: int, expected: datetime) -> None:
    result = add_business_days(start.replace(tzinfo=CHICAGO), days)
    assert result == expected.replace(tzinfo=CHICAGO)
    assert result.tzinfo == CHICAGO


def test_add_business_days_keeps_wall_clock_across_dst() -> None:
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=NEW_YORK)  # EST
    monday = add_business_days(friday, 1)
    assert monday == datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK)
    assert monday.utcoffset() == timedelta(hours=-4)


def test_add_business_days_refuses_negative() -> None:
    with pytest.raises(ValueError):
        add_business_days(NOW, -1)


def test_time_in_spring_forward_gap_reads_as_the_shifted_wall_clock() -> None:
    when = resolve_when("2026-03-08 2:30am", datetime(2026, 3, 7, 10, tzinfo=NEW_YORK), NEW_YORK)
    assert (when.hour, when.minute) == (3, 30)
    assert when.utcoffset() == timedelta(hours=-4)


# --- an earlier call (at:) and the day they're back (back:) ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday 5pm", datetime(2026, 11, 22, 17, 0, tzinfo=CHICAGO)),
        ("9:30am", datetime(2026, 11, 23, 9, 30, tzinfo=CHICAGO)),
        # A weekday is the latest one not after now: last Friday, last Monday.
        ("fri 4pm", datetime(2026, 11, 20, 16, 0, tzinfo=CHICAGO)),
        ("mon 11am", datetime(2026, 11, 16, 11, 0, tzinfo=CHICAGO)),
        ("mon 9am", datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)),
        ("2026-10-25 10:00", datetime(2026, 10, 25, 10, 0, tzinfo=CHICAGO)),
    ],
)
def test_an_earlier_call_is_read_backwards(text: str, expected: datetime) -> None:
    assert resolve_earlier(text, NOW, CHICAGO) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tomorrow 9am", "is in the future"),
        ("11am", "is in the future"),
        ("2026-10-23 9am", "more than 30 days ago"),
        ("whenever", "couldn't read"),
    ],
)
def test_an_earlier_call_is_neither_ahead_nor_a_month_back(text: str, problem: str) -> None:
    with pytest.raises(DateError) as info:
        resolve_earlier(text, NOW, CHICAGO)
    assert f"“{text}”" in info.value.message and problem in info.value.message


def test_the_day_they_are_back_starts_at_midnight_on_the_reps_clock() -> None:
    assert day_start("wednesday", NOW, CHICAGO) == datetime(2026, 11, 25, tzinfo=CHICAGO)
    assert day_start("12/1", NOW, CHICAGO) == datetime(2026, 12, 1, tzinfo=CHICAGO)
    with pytest.raises(DateError, match="today or earlier"):
        day_start("today 5pm", NOW, CHICAGO)
