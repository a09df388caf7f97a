"""Follow-up times as reps write them ("thu 8am", "in 3 days"), resolved in the rep's zone.

`now` and the zone are always parameters so the rules are testable and a reply can
never depend on the server's clock or locale.

Rules a caller can rely on:
- A date without a time means 09:00 local.
- `thu` / `thursday` is the coming Thursday: today if today is Thursday and the
  time is still ahead, otherwise the next one. `next thu` is simply the first
  Thursday strictly after today (so on a Monday `next thu` and `thu` agree).
- `in N minutes|hours` is elapsed time; `in N days|weeks|months` keeps the current
  wall-clock time (or the time given, "in 2 days 3pm") on that calendar day.
- A month and day without a year that has already passed this year means next year.
- Wall-clock times are built on the local calendar, so "tomorrow 9am" is 09:00 even
  across a DST change. A time that does not exist (spring-forward gap) is moved
  forward by the gap, e.g. 02:30 on 2026-03-08 in New York becomes 03:30 EDT; a time
  that happens twice (fall-back) means the first occurrence.
- An explicit UTC offset ("2026-12-01 09:30-05:00") is honoured, then converted.
- Anything before `now` is refused: a follow-up must be in the future.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, FR, MO, TH, TU, WE, rrule

EXAMPLES = "tomorrow 9am, thu 2pm, next tue, in 3 days, June 6 10am, 6/6, 2026-12-01 09:30"
DEFAULT_TIME = time(9, 0)

WEEKDAYS: dict[str, int] = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
DAY_OFFSETS: dict[str, int] = {"yesterday": -1, "today": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1}

_TIME = (
    r"(?:(?:at|@)\s*)?(?P<time>noon|midnight|\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m?\.?)|\d{1,2}:\d{2})"
)
_DAY = r"(?:on\s+)?(?:(?P<next>next)\s+)?(?P<day>[a-z]+)"
_DAY_THEN_TIME = re.compile(rf"{_DAY}(?:\s+{_TIME})?")
_TIME_THEN_DAY = re.compile(rf"{_TIME}\s+{_DAY}")
_RELATIVE = re.compile(
    r"in\s+(?P<n>\d+|an?)\s+(?P<unit>min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|months?)"
    rf"(?:\s+{_TIME})?"
)
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap])?\.?m?\.?")


class DateError(ValueError):
    """A follow-up time we could not accept; `message` quotes the rep's text back to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def resolve_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """Resolve the rep's follow-up text to an aware datetime in `tz`, strictly not before `now`.

    `now` must be timezone-aware. Raises DateError for text we can't read and for
    times in the past.
    """
    when = _read(text, now, tz)
    if when < now:
        raise DateError(f"“{text}” is in the past — follow-ups must be in the future.")
    return when


MAX_BACKDATE = timedelta(days=30)
"""How far back a call may be logged: older history is what the cadence has already
planned around, and a typo ("2025" for "2026") should not rewrite it."""


def resolve_earlier(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """When an earlier call happened ("yesterday 5pm", "mon 3pm", "10:30am"): not after
    `now` and at most MAX_BACKDATE before it. A weekday is the latest one not after now, so
    "fri 4pm" on a Monday is three days ago. Raises DateError quoting the text.
    """
    when = _read(text, now, tz)
    cleaned = " ".join(text.lower().split())
    match = _DAY_THEN_TIME.fullmatch(cleaned) or _TIME_THEN_DAY.fullmatch(cleaned)
    if match and match["day"] in WEEKDAYS and when > now:
        when = _localize(when.date() - timedelta(days=7), when.timetz().replace(tzinfo=None), tz)
    if when > now:
        raise DateError(f"“{text}” is in the future — at: is for a call you already made.")
    if now - when > MAX_BACKDATE:
        days = MAX_BACKDATE.days
        raise DateError(f"“{text}” is more than {days} days ago — log calls from the last {days}.")
    return when


def day_start(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The start of the day `text` names ("wednesday", "12/2", "in 3 days"), on the rep's
    clock: a prospect "back Wednesday" is back for the whole day, from its first window.
    Raises DateError for text we can't read or a day before today."""
    when = resolve_when(text, now, tz)
    start = _localize(when.astimezone(tz).date(), time(0), tz)
    if start.date() <= now.astimezone(tz).date():
        raise DateError(f"“{text}” is today or earlier — back: names a day still to come.")
    return start


def add_business_days(start: datetime, days: int) -> datetime:
    """The `days`-th weekday (Mon–Fri) after `start`, at the same wall-clock time.

    Weekends are skipped; public holidays are not known. `days` must be >= 0;
    0 returns `start` unchanged.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    if days == 0:
        return start
    naive = start.replace(tzinfo=None)
    rule = rrule(
        DAILY, dtstart=naive + timedelta(days=1), byweekday=(MO, TU, WE, TH, FR), count=days
    )
    result = list(rule)[-1]
    return _localize(result.date(), result.time(), start.tzinfo)


def _read(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The moment `text` names on the rep's clock, past or future. Raises DateError."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = " ".join(text.lower().split())
    try:
        return _resolve(cleaned, text, now.astimezone(tz), tz)
    except DateError:
        raise
    except (ValueError, OverflowError):
        raise _unreadable(text) from None


def _resolve(cleaned: str, text: str, now_local: datetime, tz: ZoneInfo) -> datetime:
    if match := _RELATIVE.fullmatch(cleaned):
        return _relative(match, now_local, tz)
    for pattern in (_DAY_THEN_TIME, _TIME_THEN_DAY):
        match = pattern.fullmatch(cleaned)
        if match and (match["day"] in DAY_OFFSETS or match["day"] in WEEKDAYS):
            return _named_day(match, now_local, tz)
    if not cleaned or cleaned.isdigit():
        raise _unreadable(text)
    return _absolute(" ".join(text.split()), text, now_local, tz)


def _relative(match: re.Match[str], now_local: datetime, tz: ZoneInfo) -> datetime:
    n = 1 if match["n"] in ("a", "an") else int(match["n"])
    unit = match["unit"]
    start = now_local.replace(second=0, microsecond=0)
    if unit.startswith("mo"):
        step = relativedelta(months=n)
    elif unit.startswith("w"):
        step = relativedelta(weeks=n)
    elif unit.startswith("d"):
        step = relativedelta(days=n)
    else:
        if match["time"]:
            raise ValueError("a clock time makes no sense with minutes or hours")
        elapsed = timedelta(minutes=n) if unit.startswith("mi") else timedelta(hours=n)
        return (start.astimezone(UTC) + elapsed).astimezone(tz)
    day = now_local.date() + step
    clock = _clock(match["time"]) if match["time"] else start.time()
    return _localize(day, clock, tz)


def _named_day(match: re.Match[str], now_local: datetime, tz: ZoneInfo) -> datetime:
    clock = _clock(match["time"]) if match["time"] else DEFAULT_TIME
    today = now_local.date()
    name = match["day"]
    if name in DAY_OFFSETS:
        if match["next"]:
            raise ValueError("'next' goes with a weekday")
        return _localize(today + timedelta(days=DAY_OFFSETS[name]), clock, tz)
    ahead = (WEEKDAYS[name] - today.weekday()) % 7
    if match["next"]:
        return _localize(today + timedelta(days=ahead or 7), clock, tz)
    when = _localize(today + timedelta(days=ahead), clock, tz)
    if when < now_local:
        when = _localize(today + timedelta(days=ahead + 7), clock, tz)
    return when


def _clock(raw: str) -> time:
    """Read 4pm, 2:30pm, 14:00, noon. A bare hour ("3") is refused: am or pm is a guess."""
    if raw == "noon":
        return time(12, 0)
    if raw == "midnight":
        return time(0, 0)
    match = _CLOCK.fullmatch(raw)
    if match is None:
        raise ValueError(raw)
    hour, minute, ap = int(match["h"]), int(match["m"] or 0), match["ap"]
    if ap:
        if not 1 <= hour <= 12:
            raise ValueError(raw)
        hour = hour % 12 + (12 if ap == "p" else 0)
    elif match["m"] is None:
        raise ValueError(raw)
    return time(hour, minute)


def _absolute(spaced: str, text: str, now_local: datetime, tz: ZoneInfo) -> datetime:
    """Dates dateutil understands; two parses with different defaults show what was given.

    `spaced` keeps its case: dateutil only recognises zone names such as UTC in capitals.
    """
    first = _parse(spaced, text, tz, datetime(2000, 1, 1, 0, 0))
    second = _parse(spaced, text, tz, datetime(2004, 2, 2, 1, 1))

    def given(field: str) -> int | None:
        value = getattr(first, field)
        return value if value == getattr(second, field) else None

    year, month, day, hour = given("year"), given("month"), given("day"), given("hour")
    if (month is None) != (day is None):
        raise ValueError("need both month and day")
    clock = DEFAULT_TIME if hour is None else time(hour, given("minute") or 0, first.second)
    today = now_local.date()
    if month is None or day is None:
        the_date = today
    else:
        the_date = date(year or today.year, month, day)
        if year is None and the_date < today:
            the_date = date(today.year + 1, month, day)
    if first.tzinfo is not None:
        return datetime.combine(the_date, clock, tzinfo=first.tzinfo).astimezone(tz)
    return _localize(the_date, clock, tz)


def _parse(spaced: str, text: str, tz: ZoneInfo, default: datetime) -> datetime:
    def zone(name: str | None, offset: int | None) -> tzinfo | None:
        if offset is not None:
            return timezone(timedelta(seconds=offset))
        if name is None:
            return None
        if name.upper() in ("UTC", "GMT", "Z"):
            return UTC
        raise DateError(
            f"I don't know which zone “{name}” is in “{text}”. Write an offset such as"
            f" -05:00, or leave it out to use your zone ({tz.key})."
        )

    return dateutil_parser.parse(spaced, default=default, tzinfos=zone)


def _localize(day: date, clock: time, tz: tzinfo | None) -> datetime:
    """Attach the zone to a local wall-clock time, shifting times that fall in a DST gap."""
    naive = datetime.combine(day, clock)
    if tz is None:
        return naive
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _unreadable(text: str) -> DateError:
    return DateError(f"I couldn't read “{text}” as a date or time. Try e.g. {EXAMPLES}.")
