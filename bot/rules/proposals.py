"""When a message proposes to talk: a concrete slot the prospect can hold the rep to.

"If June 6 at 10 a.m. won't work for you, call me" works because the time is real: far
enough ahead that the listener can plan around it (two business hours at least, so a message
drafted at 8:00 never proposes 8:00), near enough to still mean something (within five
business days), and inside a window when the prospect, not the gatekeeper, picks up. The
rep's own desk hours ("I'm in my office tomorrow between 9 and 12") give the prospect a time
to call back that won't start another round of phone tag.

Pure: the clock, the zones and the prospect's public holidays are parameters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.calls import CallWindow, DeskHours
from bot.rules.windows import DEFAULT_WINDOWS

BUSINESS_DAY = (DEFAULT_WINDOWS[0].start, DEFAULT_WINDOWS[-1].end)
"""The prospect's working day as the call windows see it: first window opens, last closes."""

MIN_LEAD_HOURS = 2
"""A proposal is at least this many business hours ahead."""

MAX_BUSINESS_DAYS = 5
"""And within this many business days: further off, a proposal is a vague promise."""

# Proposals land on a quarter hour: "7:15" is a time a person would suggest, 7:13 isn't.
_QUARTER = 15 * 60
_HOURS = re.compile(
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>[ap]\.?m\.?)?\s*(?:-|–|to)\s*"
    r"(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<ap2>[ap]\.?m\.?)?"
)


class DeskHoursError(ValueError):
    """Desk hours we could not read; `message` quotes them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_desk_hours(text: str) -> DeskHours:
    """'9-12', '9:30-12', '9am-12pm', '14:00-17:00', '2-5' (an hour before 7 is afternoon:
    nobody means 2 a.m.). Raises DeskHoursError quoting the text."""
    match = _HOURS.fullmatch(text.strip().casefold())
    problem = DeskHoursError(
        f"“{text.strip()}” is not a span of desk hours; write it like 9-12 or 2pm-5pm."
    )
    if match is None:
        raise problem
    try:
        start = _hour(match["h1"], match["m1"], match["ap1"])
        end = _hour(match["h2"], match["m2"], match["ap2"])
    except ValueError:
        raise problem from None
    if end <= start and not match["ap2"] and end.hour < 12:
        end = end.replace(hour=end.hour + 12)
    if end <= start:
        raise problem
    return DeskHours(start, end)


def read_desk_hours(stored: str | None) -> DeskHours | None:
    """The profile column back as DeskHours; None when unset."""
    if not stored:
        return None
    start, _, end = stored.partition("-")
    return DeskHours(time.fromisoformat(start), time.fromisoformat(end))


def split_partners(typed: str | None) -> tuple[str, ...]:
    """'Acme Audit, Beta Books' -> ('Acme Audit', 'Beta Books'), as the profile keeps them."""
    return tuple(name.strip() for name in (typed or "").split(",") if name.strip())


def business_hours_after(
    start: datetime, hours: float, tz: ZoneInfo, closed: Container[date] = ()
) -> datetime:
    """The moment `hours` of the prospect's business day (BUSINESS_DAY on their weekdays,
    less `closed`) after `start`. Time outside business days does not count."""
    left = timedelta(hours=hours)
    moment = start.astimezone(tz)
    for _ in range(60):
        day = moment.date()
        opens = datetime.combine(day, BUSINESS_DAY[0], tzinfo=tz)
        closes = datetime.combine(day, BUSINESS_DAY[1], tzinfo=tz)
        if day.weekday() < 5 and day not in closed and moment < closes:
            moment = max(moment, opens)
            if moment + left <= closes:
                return moment + left
            left -= closes - moment
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    raise AssertionError("unreachable: sixty days always hold enough business hours")


def business_days_end(
    start: datetime, days: int, tz: ZoneInfo, closed: Container[date] = ()
) -> datetime:
    """The end of the `days`-th business day after `start`'s day: how far a proposal may go."""
    day = start.astimezone(tz).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def earliest_proposal(now: datetime, tz: ZoneInfo, closed: Container[date] = ()) -> datetime:
    """The soonest a message may propose: MIN_LEAD_HOURS business hours from now."""
    return business_hours_after(now, MIN_LEAD_HOURS, tz, closed)


def slot_in(window: CallWindow, earliest: datetime) -> datetime:
    """The time to propose in `window`: its start, or the first quarter hour at or after
    `earliest` when that falls inside it. Raises ValueError when the window ends first."""
    zone = ZoneInfo(window.tz)
    rounded = datetime.fromtimestamp(math.ceil(earliest.timestamp() / _QUARTER) * _QUARTER, zone)
    at = max(window.start.astimezone(zone), rounded)
    if at >= window.end:
        raise ValueError("the window closes before the earliest proposal")
    return at


def next_desk_time(
    desk: DeskHours, rep_tz: ZoneInfo, now: datetime, closed: Container[date] = ()
) -> tuple[datetime, datetime]:
    """The rep's next desk period that has not started yet, on a weekday of theirs: a
    message is heard later, so "today from 9" only while 9 is still ahead."""
    local = now.astimezone(rep_tz)
    for offset in range(14):
        day = local.date() + timedelta(days=offset)
        if day.weekday() >= 5 or day in closed:
            continue
        start = datetime.combine(day, desk.start, tzinfo=rep_tz)
        if start > now:
            return start, datetime.combine(day, desk.end, tzinfo=rep_tz)
    raise AssertionError("unreachable: two weeks always hold a weekday")


def _hour(hour: str, minute: str | None, half: str | None) -> time:
    h, m = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            raise ValueError(hour)
        h = h % 12 + (12 if half.startswith("p") else 0)
    elif h < 7:
        h += 12
    return time(h, m)
