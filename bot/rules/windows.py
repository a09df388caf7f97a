"""When to dial so the prospect, not the gatekeeper, picks up.

Screeners and assistants work office hours; decision makers are at their desks before 8:30,
over lunch and after 5:30. So the windows are fixed in the prospect's local wall-clock time on
their weekdays, and shown to the rep in both clocks so nobody does time-zone arithmetic
mid-dial.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.calls import WORKING_DAY, CallWindow, DeskHours, Prospect


@dataclass(frozen=True)
class WindowSpec:
    """A daily stretch in the prospect's local time when gatekeepers are away."""

    label: str
    start: time
    end: time


DEFAULT_WINDOWS: tuple[WindowSpec, ...] = (
    WindowSpec("before 8:30", time(7, 0), time(8, 30)),
    WindowSpec("at lunch", time(12, 0), time(13, 0)),
    WindowSpec("after 5:30", time(17, 30), time(18, 30)),
)

AFTER_HOURS = time(17, 30)
"""From here the prospect has left the office: their cell is the number that rings."""


def is_after_hours(window: CallWindow) -> bool:
    """Whether the window opens after the prospect's office day, on their own clock."""
    return window.start.timetz().replace(tzinfo=None) >= AFTER_HOURS


def number_to_dial(prospect: Prospect, window: CallWindow | None) -> str | None:
    """After 5:30 their time the desk phone rings in an empty office: offer the cell."""
    if window is not None and is_after_hours(window) and prospect.cell:
        return prospect.cell
    return prospect.phone or prospect.cell


# Monday..Friday as date.weekday() numbers: nobody's screener is the problem at weekends, but
# nobody is at their desk either.
_WORKDAYS = range(5)

_DASH = "\N{EN DASH}"


DAYS_AHEAD = 22
"""How far ahead a window is looked for: three weeks always hold a working day, even after the
longest public holiday break (Russia's, 1–8 January) and the weekends around it."""


def windows_on(
    day: date,
    prospect_tz: ZoneInfo,
    specs: Sequence[WindowSpec] = DEFAULT_WINDOWS,
    closed: Container[date] = (),
) -> list[CallWindow]:
    """The windows on the prospect's calendar `day`, or none at their weekend or on the days
    in `closed` (their public holidays).

    Built from the local wall clock so a 7:00 window stays at 7:00 for the prospect on a
    daylight-saving change day, whatever that means in UTC.
    """
    if day.weekday() not in _WORKDAYS or day in closed:
        return []
    return [
        CallWindow(
            start=datetime.combine(day, spec.start, tzinfo=prospect_tz),
            end=datetime.combine(day, spec.end, tzinfo=prospect_tz),
            label=spec.label,
            tz=prospect_tz.key,
        )
        for spec in specs
    ]


def next_call_window(
    prospect_tz: ZoneInfo,
    after: datetime,
    specs: Sequence[WindowSpec] = DEFAULT_WINDOWS,
    closed: Container[date] = (),
) -> CallWindow:
    """The window open at `after` (with its real start, so the caller sees it is already
    open), or else the next one to open, skipping the prospect's weekend and `closed` days.

    A window is open while start <= after < end. `after` must be time-zone aware.
    """
    if not specs:
        raise ValueError("no call windows configured")
    today = after.astimezone(prospect_tz).date()
    for offset in range(DAYS_AHEAD):
        for window in windows_on(today + timedelta(days=offset), prospect_tz, specs, closed):
            if window.end > after:
                return window
    raise AssertionError("unreachable: three weeks always hold a working day")


MIN_SHARED = timedelta(minutes=15)
"""The shortest overlap worth offering: one dial and a voicemail."""


def kept_by_both(
    window: CallWindow,
    rep_tz: ZoneInfo,
    rep_day: DeskHours = WORKING_DAY,
    rep_closed: Container[date] = (),
) -> CallWindow | None:
    """The part of the prospect's `window` inside the rep's working day, on a weekday of the
    rep's that is not in `rep_closed` (the rep's public holidays); None when less than
    MIN_SHARED is left. The one answer to "can both sides keep this time?"."""
    zone = ZoneInfo(window.tz)
    start = window.start.astimezone(rep_tz)
    day = start.date()
    if day.weekday() not in _WORKDAYS or day in rep_closed:
        return None
    opens = datetime.combine(day, rep_day.start, tzinfo=rep_tz)
    closes = datetime.combine(day, rep_day.end, tzinfo=rep_tz)
    shared_start, shared_end = max(window.start, opens), min(window.end, closes)
    if shared_end - shared_start < MIN_SHARED:
        return None
    return CallWindow(
        shared_start.astimezone(zone), shared_end.astimezone(zone), window.label, window.tz
    )


def part_of_day(at: datetime | time) -> str:
    """Morning, midday or afternoon on the clock `at` carries: each default window sits in
    one, so a try at another part of the day is a try in another window."""
    clock = at.time() if isinstance(at, datetime) else at
    if clock < time(11):
        return "morning"
    if clock < time(14):
        return "midday"
    return "afternoon"


def next_shared_window(
    prospect_tz: ZoneInfo,
    rep_tz: ZoneInfo,
    after: datetime,
    *,
    rep_day: DeskHours = WORKING_DAY,
    closed: Container[date] = (),
    rep_closed: Container[date] = (),
    avoid: str | None = None,
    specs: Sequence[WindowSpec] = DEFAULT_WINDOWS,
) -> CallWindow | None:
    """The first window both sides can keep that is still open at `after`, preferring on the
    first day that has any one at another part of the day than `avoid` (see part_of_day):
    after a voicemail at lunch, the next try is before 8:30 or after 5:30. None when three
    weeks hold none (a prospect whose every window falls in the rep's night)."""
    today = after.astimezone(prospect_tz).date()
    for offset in range(DAYS_AHEAD):
        shared = [
            kept
            for window in windows_on(today + timedelta(days=offset), prospect_tz, specs, closed)
            if (kept := kept_by_both(window, rep_tz, rep_day, rep_closed)) is not None
            and kept.end > after
        ]
        if shared:
            varied = [window for window in shared if part_of_day(window.start) != avoid]
            return (varied or shared)[0]
    return None


def describe_window(window: CallWindow, rep_tz: ZoneInfo, now: datetime) -> str:
    """Say the window in the prospect's clock and the rep's, e.g.
    "Thu 7:00-8:30 AM CST (8:00-9:30 AM your time)", with en dashes.

    The rep plans in their own day, so "today"/"tomorrow" are judged in the rep's zone. When
    the two clocks show different dates, each side gets its own day so the rep is not misled
    into calling a day early. When both clocks agree, one time is enough.
    """
    their_start, their_end = window.start, window.end
    your_start, your_end = their_start.astimezone(rep_tz), their_end.astimezone(rep_tz)
    your_day = _day_word(your_start, now.astimezone(rep_tz).date())
    your_times = _time_range(your_start, your_end)
    their_times = _time_range(their_start, their_end)
    if (their_times, their_start.tzname(), their_start.date()) == (
        your_times,
        your_start.tzname(),
        your_start.date(),
    ):
        return f"{your_day} {your_times} (your time and theirs)"
    if their_start.date() == your_start.date():
        return f"{your_day} {their_times} {their_start.tzname()} ({your_times} your time)"
    # Their side keeps its weekday ("Tue"), as "tomorrow" would be judged on whose calendar?
    their_day = f"{their_start:%a}"
    if their_start.date() - now.astimezone(rep_tz).date() > timedelta(days=6):
        their_day = f"{their_start:%a %b} {their_start.day}"
    return f"{their_day} {their_times} {their_start.tzname()} ({your_day} {your_times} your time)"


def _day_word(at: datetime, today: date) -> str:
    """'today', 'tomorrow', the weekday ('Thu') within the coming week, else the date ('Wed
    Dec 30'): a bare weekday a month out reads as this week's."""
    if at.date() == today:
        return "today"
    if at.date() == today + timedelta(days=1):
        return "tomorrow"
    if at.date() - today <= timedelta(days=6):
        return f"{at:%a}"
    return f"{at:%a %b} {at.day}"


def _time_range(start: datetime, end: datetime) -> str:
    """'7:00-8:30 AM', or '11:00 AM-12:00 PM' when the range crosses noon or midnight.

    An en dash, as in print: the message is read by people, not parsed.
    """
    if start.strftime("%p") == end.strftime("%p"):
        return f"{_clock(start)}{_DASH}{_clock(end)} {end:%p}"
    return f"{_clock(start)} {start:%p}{_DASH}{_clock(end)} {end:%p}"


def _clock(at: datetime) -> str:
    """'7:00', '12:30': twelve-hour clock without a leading zero, as people say times."""
    return f"{at.hour % 12 or 12}:{at:%M}"
