"""A rep's week in numbers, against last week at the same point.

Weeks start on Monday at midnight on the rep's own clock. "Last week" stops at the same weekday
and wall-clock time as now: comparing a partial week with a whole one would read as a slump
every Tuesday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.insights.rates import CONNECTS, CallGrid
from bot.rules.calls import OUTBOUND_DIALS, Outcome

DEFAULT_WEEKLY_TIME = "15:00"
FRIDAY = 4


@dataclass(frozen=True)
class WeekNumbers:
    dials: int = 0
    connects: int = 0
    voicemails: int = 0
    meetings: int = 0
    return_calls_in_time: int = 0
    """Inbound calls returned within the 24 hours the rep promises."""
    introductions_asked: int = 0
    """Times the rep asked someone for an introduction: the warmest way to the next prospect."""
    referrals_reached: int = 0
    """Connects with prospects someone referred: what those introductions bring."""

    @classmethod
    def count(
        cls,
        outcomes: Iterable[Outcome],
        return_calls_in_time: int = 0,
        introductions_asked: int = 0,
        referrals_reached: int = 0,
    ) -> WeekNumbers:
        tally = {"dials": 0, "connects": 0, "voicemails": 0, "meetings": 0}
        for outcome in outcomes:
            tally["dials"] += outcome in OUTBOUND_DIALS
            tally["connects"] += outcome in CONNECTS
            tally["voicemails"] += outcome is Outcome.VOICEMAIL
            tally["meetings"] += outcome is Outcome.MEETING
        return cls(
            **tally,
            return_calls_in_time=return_calls_in_time,
            introductions_asked=introductions_asked,
            referrals_reached=referrals_reached,
        )

    @property
    def connect_rate(self) -> float | None:
        """None before the first dial: 0% would read as a bad week that has not started."""
        return self.connects / self.dials if self.dials else None

    def __add__(self, other: WeekNumbers) -> WeekNumbers:
        return WeekNumbers(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


class Week(StrEnum):
    THIS = "this"
    LAST = "last"


@dataclass(frozen=True)
class WeekBounds:
    """This week so far and last week up to the same moment, as aware datetimes."""

    this_start: datetime
    now: datetime
    last_start: datetime
    last_cutoff: datetime

    def which(self, at: datetime) -> Week | None:
        if self.this_start <= at <= self.now:
            return Week.THIS
        if self.last_start <= at <= self.last_cutoff:
            return Week.LAST
        return None


def week_bounds(now: datetime, tz: ZoneInfo) -> WeekBounds:
    """The rep's weeks around `now` (aware), on the rep's wall clock across DST changes."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return WeekBounds(
        this_start=_midnight(monday, tz),
        now=now,
        last_start=_midnight(monday - timedelta(days=7), tz),
        # Same-zone arithmetic on aware datetimes is wall-clock arithmetic: 3 PM stays 3 PM.
        last_cutoff=local - timedelta(days=7),
    )


def weekly_picture_due(at: time, tz: ZoneInfo, now: datetime) -> date | None:
    """The rep's local Monday whose picture is due at `now`, or None when none is.

    Due on Friday from `at` on the rep's wall clock until their midnight: late enough that the
    week is mostly done, early enough to act on before the weekend; a tick that runs late
    still delivers that day. The Monday keys the once-a-week delivery.
    """
    local = now.astimezone(tz)
    if local.weekday() != FRIDAY or local.time().replace(tzinfo=None) < at:
        return None
    return local.date() - timedelta(days=FRIDAY)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


@dataclass(frozen=True)
class WeekReport:
    """What the weekly DM and the App Home show one rep, or a manager the team."""

    user_id: str | None
    """The rep; None for the team version."""
    week_start: date
    """The rep's local Monday: the once-per-week delivery key."""
    this_week: WeekNumbers = field(default_factory=WeekNumbers)
    last_week: WeekNumbers = field(default_factory=WeekNumbers)
    grid: CallGrid = field(default_factory=CallGrid)
    """This week's dials by prospect-local weekday and hour, for the heatmap."""


def team_week(reports: Iterable[WeekReport], week_start: date) -> WeekReport:
    """Every rep's week summed, each rep's week bounded by their own clock."""
    reports = list(reports)
    return WeekReport(
        user_id=None,
        week_start=week_start,
        this_week=sum((r.this_week for r in reports), WeekNumbers()),
        last_week=sum((r.last_week for r in reports), WeekNumbers()),
        grid=sum((r.grid for r in reports), CallGrid()),
    )
