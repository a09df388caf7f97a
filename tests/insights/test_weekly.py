"""The rep's week: Monday-start on their own clock, compared with last week at the same point."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.insights.rates import CallGrid, Cell, Tally
from bot.insights.weekly import Week, WeekNumbers, WeekReport, team_week, week_bounds
from bot.rules.calls import Outcome

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "this_start", "last_start", "last_cutoff"),
    [
        # Friday 3 PM in Chicago: an ordinary Friday afternoon DM.
        (
            utc(2026, 11, 20, 21),
            CHICAGO,
            utc(2026, 11, 16, 6),
            utc(2026, 11, 9, 6),
            utc(2026, 11, 13, 21),
        ),
        # The week after clocks fell back: last week started and stopped an hour earlier in UTC.
        (
            utc(2026, 11, 6, 21),
            CHICAGO,
            utc(2026, 11, 2, 6),
            utc(2026, 10, 26, 5),
            utc(2026, 10, 30, 20),
        ),
        # The Sunday clocks spring forward: this week began in EST, "now" is EDT.
        (
            utc(2026, 3, 8, 12),
            NEW_YORK,
            utc(2026, 3, 2, 5),
            utc(2026, 2, 23, 5),
            utc(2026, 3, 1, 13),
        ),
        # Already Monday in Tokyo while Sunday in UTC: the new week has begun for the rep.
        (
            utc(2026, 11, 22, 20),
            TOKYO,
            utc(2026, 11, 22, 15),
            utc(2026, 11, 15, 15),
            utc(2026, 11, 15, 20),
        ),
    ],
)
def test_weeks_are_monday_start_on_the_reps_clock(
    now: datetime, tz: ZoneInfo, this_start: datetime, last_start: datetime, last_cutoff: datetime
) -> None:
    bounds = week_bounds(now, tz)
    assert (bounds.this_start, bounds.last_start, bounds.last_cutoff) == (
        this_start,
        last_start,
        last_cutoff,
    )
    assert bounds.this_start.astimezone(tz).weekday() == 0


def test_a_moment_belongs_to_this_week_last_week_or_neither() -> None:
    bounds = week_bounds(utc(2026, 11, 20, 21), CHICAGO)
    assert bounds.which(utc(2026, 11, 16, 6)) is Week.THIS
    assert bounds.which(utc(2026, 11, 16, 5, 59)) is None  # last week's Sunday night
    assert bounds.which(utc(2026, 11, 13, 20)) is Week.LAST
    assert bounds.which(utc(2026, 11, 13, 22)) is None  # after the same point last week
    assert bounds.which(utc(2026, 11, 9, 6)) is Week.LAST
    assert bounds.which(utc(2026, 11, 20, 22)) is None  # the future


def test_the_numbers_count_what_the_rep_did() -> None:
    outcomes = [
        Outcome.CONNECTED,
        Outcome.MEETING,
        Outcome.VOICEMAIL,
        Outcome.VOICEMAIL,
        Outcome.NO_ANSWER,
        Outcome.INBOUND,  # they called: not a dial
        Outcome.EMAIL,  # not a dial either
    ]
    assert WeekNumbers.count(outcomes, return_calls_in_time=2) == WeekNumbers(
        dials=5, connects=2, voicemails=2, meetings=1, return_calls_in_time=2
    )


def test_the_team_week_sums_every_reps() -> None:
    monday = date(2026, 11, 16)
    ann = WeekReport(
        "U1",
        monday,
        WeekNumbers(dials=10, connects=2),
        WeekNumbers(dials=8),
        CallGrid({Cell(0, 9): Tally(10, 2)}),
    )
    bob = WeekReport(
        "U2",
        monday,
        WeekNumbers(dials=5, meetings=1),
        WeekNumbers(dials=4),
        CallGrid({Cell(0, 9): Tally(5, 0)}),
    )
    team = team_week([ann, bob], monday)
    assert team.user_id is None
    assert team.this_week == WeekNumbers(dials=15, connects=2, meetings=1)
    assert team.last_week == WeekNumbers(dials=12)
    assert team.grid.tally(Cell(0, 9)) == Tally(15, 2)
