"""Call windows in the prospect's clock, across zones, weekends and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.calls import CallWindow
from bot.rules.windows import (
    DEFAULT_WINDOWS,
    WindowSpec,
    describe_window,
    next_call_window,
    windows_on,
)

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")
PHOENIX = ZoneInfo("America/Phoenix")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
DETROIT = ZoneInfo("America/Detroit")
TEHRAN = ZoneInfo("Asia/Tehran")


def en(text: str) -> str:
    """Expected strings are written with '-' and compared with the en dash the bot prints."""
    return text.replace("-", "\N{EN DASH}")


def test_default_windows_are_before_830_lunch_and_after_530() -> None:
    expected = (
        WindowSpec("before 8:30", time(7, 0), time(8, 30)),
        WindowSpec("at lunch", time(12, 0), time(13, 0)),
        WindowSpec("after 5:30", time(17, 30), time(18, 30)),
    )
    assert expected == DEFAULT_WINDOWS


# Thu Nov 19 2020 is a weekday in standard time everywhere below; Thu Jul 15 2021 in summer.
@pytest.mark.parametrize(
    ("tz", "after", "start", "label"),
    [
        (NEW_YORK, datetime(2020, 11, 19, 6, 0, tzinfo=NEW_YORK), (19, 7, 0), "before 8:30"),
        # In progress: the window is returned with its real start.
        (CHICAGO, datetime(2020, 11, 19, 7, 45, tzinfo=CHICAGO), (19, 7, 0), "before 8:30"),
        (CHICAGO, datetime(2020, 11, 19, 7, 0, tzinfo=CHICAGO), (19, 7, 0), "before 8:30"),
        # A window is over at its end time.
        (DENVER, datetime(2020, 11, 19, 8, 30, tzinfo=DENVER), (19, 12, 0), "at lunch"),
        (
            LOS_ANGELES,
            datetime(2020, 11, 19, 13, 0, tzinfo=LOS_ANGELES),
            (19, 17, 30),
            "after 5:30",
        ),
        (NEW_YORK, datetime(2020, 11, 20, 18, 29, tzinfo=NEW_YORK), (20, 17, 30), "after 5:30"),
        # Friday evening and the weekend roll over to Monday 7:00.
        (CHICAGO, datetime(2020, 11, 20, 18, 30, tzinfo=CHICAGO), (23, 7, 0), "before 8:30"),
        (LONDON, datetime(2020, 11, 20, 19, 0, tzinfo=LONDON), (23, 7, 0), "before 8:30"),
        (LOS_ANGELES, datetime(2020, 11, 21, 10, 0, tzinfo=LOS_ANGELES), (23, 7, 0), "before 8:30"),
        # `after` in the rep's zone: Sun 21:00 in New York is Mon 7:30 in Kolkata.
        (KOLKATA, datetime(2020, 11, 22, 21, 0, tzinfo=NEW_YORK), (23, 7, 0), "before 8:30"),
        # Fri 18:00 in New York is still Fri 3:00 PM in Los Angeles.
        (LOS_ANGELES, datetime(2020, 11, 20, 18, 0, tzinfo=NEW_YORK), (20, 17, 30), "after 5:30"),
        # Sat 1:00 UTC is still Fri 5:00 PM in Los Angeles: the evening window is ahead.
        (LOS_ANGELES, datetime(2020, 11, 21, 1, 0, tzinfo=UTC), (20, 17, 30), "after 5:30"),
        # Sat 1:00 AM in Kolkata is Fri afternoon in New York: no windows left this week.
        (KOLKATA, datetime(2020, 11, 20, 14, 30, tzinfo=NEW_YORK), (23, 7, 0), "before 8:30"),
    ],
)
def test_next_call_window(
    tz: ZoneInfo, after: datetime, start: tuple[int, int, int], label: str
) -> None:
    day, hour, minute = start
    window = next_call_window(tz, after)
    assert window.start == datetime(2020, 11, day, hour, minute, tzinfo=tz)
    assert window.start.utcoffset() == datetime(2020, 11, day, hour, minute, tzinfo=tz).utcoffset()
    assert window.start.tzinfo is tz and window.end.tzinfo is tz
    assert (window.label, window.tz) == (label, tz.key)


def test_phoenix_in_july_has_no_daylight_saving() -> None:
    after = datetime(2021, 7, 15, 19, 30, tzinfo=UTC)  # 12:30 PM in Phoenix
    window = next_call_window(PHOENIX, after)
    assert window.label == "at lunch"
    assert window.start.astimezone(UTC) == datetime(2021, 7, 15, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "winter_utc_hour", "summer_utc_hour"),
    [
        (NEW_YORK, 12, 11),
        (CHICAGO, 13, 12),
        (DENVER, 14, 13),
        (PHOENIX, 14, 14),
        (LOS_ANGELES, 15, 14),
        (LONDON, 7, 6),
    ],
)
def test_seven_am_follows_local_clock(
    tz: ZoneInfo, winter_utc_hour: int, summer_utc_hour: int
) -> None:
    winter = windows_on(date(2021, 1, 4), tz)[0].start.astimezone(UTC)
    summer = windows_on(date(2021, 7, 5), tz)[0].start.astimezone(UTC)
    assert (winter.hour, summer.hour) == (winter_utc_hour, summer_utc_hour)


def test_windows_on_a_weekday() -> None:
    assert windows_on(date(2020, 11, 23), KOLKATA) == [
        CallWindow(
            start=datetime(2020, 11, 23, 7, 0, tzinfo=KOLKATA),
            end=datetime(2020, 11, 23, 8, 30, tzinfo=KOLKATA),
            label="before 8:30",
            tz="Asia/Kolkata",
        ),
        CallWindow(
            start=datetime(2020, 11, 23, 12, 0, tzinfo=KOLKATA),
            end=datetime(2020, 11, 23, 13, 0, tzinfo=KOLKATA),
            label="at lunch",
            tz="Asia/Kolkata",
        ),
        CallWindow(
            start=datetime(2020, 11, 23, 17, 30, tzinfo=KOLKATA),
            end=datetime(2020, 11, 23, 18, 30, tzinfo=KOLKATA),
            label="after 5:30",
            tz="Asia/Kolkata",
        ),
    ]


@pytest.mark.parametrize("day", [date(2020, 11, 21), date(2020, 11, 22)])
def test_no_windows_at_the_weekend(day: date) -> None:
    assert windows_on(day, NEW_YORK) == []


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "starts_utc"),
    [
        # US spring forward on Sun Mar 14 2021: Friday in CST, Monday in CDT.
        (
            CHICAGO,
            date(2021, 3, 12),
            [utc(2021, 3, 12, 13), utc(2021, 3, 12, 18), utc(2021, 3, 12, 23, 30)],
        ),
        (CHICAGO, date(2021, 3, 14), []),
        (
            CHICAGO,
            date(2021, 3, 15),
            [utc(2021, 3, 15, 12), utc(2021, 3, 15, 17), utc(2021, 3, 15, 22, 30)],
        ),
        # US fall back on Sun Nov 7 2021.
        (
            NEW_YORK,
            date(2021, 11, 5),
            [utc(2021, 11, 5, 11), utc(2021, 11, 5, 16), utc(2021, 11, 5, 21, 30)],
        ),
        (
            NEW_YORK,
            date(2021, 11, 8),
            [utc(2021, 11, 8, 12), utc(2021, 11, 8, 17), utc(2021, 11, 8, 22, 30)],
        ),
        # UK spring forward on Sun Mar 28 2021.
        (
            LONDON,
            date(2021, 3, 26),
            [utc(2021, 3, 26, 7), utc(2021, 3, 26, 12), utc(2021, 3, 26, 17, 30)],
        ),
        (
            LONDON,
            date(2021, 3, 29),
            [utc(2021, 3, 29, 6), utc(2021, 3, 29, 11), utc(2021, 3, 29, 16, 30)],
        ),
        # Iran moved its clocks at midnight starting Mon Mar 22 2021: a weekday change day.
        (
            TEHRAN,
            date(2021, 3, 19),
            [utc(2021, 3, 19, 3, 30), utc(2021, 3, 19, 8, 30), utc(2021, 3, 19, 14)],
        ),
        (
            TEHRAN,
            date(2021, 3, 22),
            [utc(2021, 3, 22, 2, 30), utc(2021, 3, 22, 7, 30), utc(2021, 3, 22, 13)],
        ),
    ],
)
def test_dst_change_windows_at_correct_instants(
    tz: ZoneInfo, day: date, starts_utc: list[datetime]
) -> None:
    windows = windows_on(day, tz)
    assert [w.start.astimezone(UTC) for w in windows] == starts_utc
    assert [(w.end - w.start).total_seconds() / 60 for w in windows] == [90, 60, 60][: len(windows)]


def test_next_window_after_the_weekend_of_a_dst_change() -> None:
    window = next_call_window(CHICAGO, datetime(2021, 3, 12, 18, 30, tzinfo=CHICAGO))
    assert window.start.astimezone(UTC) == utc(2021, 3, 15, 12)
    assert window.start.tzname() == "CDT"


def test_custom_windows() -> None:
    specs = (WindowSpec("early", time(6, 0), time(6, 45)),)
    window = next_call_window(DENVER, datetime(2020, 11, 19, 7, 0, tzinfo=DENVER), specs)
    assert (window.start, window.label) == (datetime(2020, 11, 20, 6, 0, tzinfo=DENVER), "early")
    with pytest.raises(ValueError):
        next_call_window(DENVER, datetime(2020, 11, 19, 7, 0, tzinfo=DENVER), ())


def window(tz: ZoneInfo, day: date, index: int = 0) -> CallWindow:
    return windows_on(day, tz)[index]


THU = date(2020, 11, 19)


@pytest.mark.parametrize(
    ("win", "rep_tz", "now", "expected"),
    [
        # A Chicago prospect and a New York rep; Python calls US Central winter time "CST".
        (
            window(CHICAGO, THU),
            NEW_YORK,
            datetime(2020, 11, 16, 9, tzinfo=NEW_YORK),
            "Thu 7:00-8:30 AM CST (8:00-9:30 AM your time)",
        ),
        (
            window(CHICAGO, THU),
            NEW_YORK,
            datetime(2020, 11, 19, 6, tzinfo=NEW_YORK),
            "today 7:00-8:30 AM CST (8:00-9:30 AM your time)",
        ),
        (
            window(CHICAGO, THU),
            NEW_YORK,
            datetime(2020, 11, 18, 23, 59, tzinfo=NEW_YORK),
            "tomorrow 7:00-8:30 AM CST (8:00-9:30 AM your time)",
        ),
        (
            window(CHICAGO, THU, 1),
            NEW_YORK,
            datetime(2020, 11, 16, 9, tzinfo=NEW_YORK),
            "Thu 12:00-1:00 PM CST (1:00-2:00 PM your time)",
        ),
        (
            window(CHICAGO, THU, 2),
            NEW_YORK,
            datetime(2020, 11, 16, 9, tzinfo=NEW_YORK),
            "Thu 5:30-6:30 PM CST (6:30-7:30 PM your time)",
        ),
        (
            window(CHICAGO, date(2021, 7, 15)),
            NEW_YORK,
            datetime(2021, 7, 12, 9, tzinfo=NEW_YORK),
            "Thu 7:00-8:30 AM CDT (8:00-9:30 AM your time)",
        ),
        # `now` in UTC is already Thursday, but for the rep it is Wednesday evening.
        (
            window(CHICAGO, THU),
            NEW_YORK,
            datetime(2020, 11, 19, 2, tzinfo=UTC),
            "tomorrow 7:00-8:30 AM CST (8:00-9:30 AM your time)",
        ),
        # Same clock on both ends, even under a different zone name.
        (
            window(NEW_YORK, THU),
            NEW_YORK,
            datetime(2020, 11, 16, 9, tzinfo=NEW_YORK),
            "Thu 7:00-8:30 AM (your time and theirs)",
        ),
        (
            window(NEW_YORK, THU),
            DETROIT,
            datetime(2020, 11, 19, 9, tzinfo=DETROIT),
            "today 7:00-8:30 AM (your time and theirs)",
        ),
        # The rep's range crosses noon.
        (
            window(NEW_YORK, THU, 1),
            CHICAGO,
            datetime(2020, 11, 16, 9, tzinfo=CHICAGO),
            "Thu 12:00-1:00 PM EST (11:00 AM-12:00 PM your time)",
        ),
        (
            window(LONDON, date(2021, 7, 15)),
            KOLKATA,
            datetime(2021, 7, 12, 9, tzinfo=KOLKATA),
            "Thu 7:00-8:30 AM BST (11:30 AM-1:00 PM your time)",
        ),
        # Different dates on the two clocks: each side names its own day.
        (
            window(KOLKATA, date(2020, 11, 24)),
            NEW_YORK,
            datetime(2020, 11, 23, 10, tzinfo=NEW_YORK),
            "Tue 7:00-8:30 AM IST (today 8:30-10:00 PM your time)",
        ),
        (
            window(KOLKATA, date(2020, 11, 24)),
            NEW_YORK,
            datetime(2020, 11, 20, 10, tzinfo=NEW_YORK),
            "Tue 7:00-8:30 AM IST (Mon 8:30-10:00 PM your time)",
        ),
        # Between the US and UK clock changes London is only four hours ahead of New York.
        (
            window(LONDON, date(2021, 3, 15)),
            NEW_YORK,
            datetime(2021, 3, 10, 9, tzinfo=NEW_YORK),
            "Mon 7:00-8:30 AM GMT (3:00-4:30 AM your time)",
        ),
        # Same offset as Los Angeles in summer, but a different zone: both are spelled out.
        (
            window(PHOENIX, date(2021, 7, 15)),
            LOS_ANGELES,
            datetime(2021, 7, 12, tzinfo=LOS_ANGELES),
            "Thu 7:00-8:30 AM MST (7:00-8:30 AM your time)",
        ),
        (
            window(PHOENIX, THU),
            LOS_ANGELES,
            datetime(2020, 11, 16, tzinfo=LOS_ANGELES),
            "Thu 7:00-8:30 AM MST (6:00-7:30 AM your time)",
        ),
    ],
)
def test_describe_window(win: CallWindow, rep_tz: ZoneInfo, now: datetime, expected: str) -> None:
    assert describe_window(win, rep_tz, now) == en(expected)


def test_a_window_a_week_or_more_away_says_its_date() -> None:
    chicago = ZoneInfo("America/Chicago")
    now = datetime(2026, 11, 30, 10, 0, tzinfo=chicago)  # Mon Nov 30
    window = next_call_window(chicago, datetime(2026, 12, 30, 9, 0, tzinfo=chicago))
    assert (
        describe_window(window, chicago, now) == "Wed Dec 30 12:00–1:00 PM (your time and theirs)"
    )
    soon = next_call_window(chicago, datetime(2026, 12, 2, 9, 0, tzinfo=chicago))
    assert describe_window(soon, chicago, now).startswith("Wed 12:00")
    london = ZoneInfo("Europe/London")
    far = next_call_window(london, datetime(2026, 12, 30, 9, 0, tzinfo=london))
    assert (
        describe_window(far, chicago, now)
        == "Wed Dec 30 12:00–1:00 PM GMT (6:00–7:00 AM your time)"
    )
