"""When a rep is nudged between digests: at the follow-up time they set, and while an owed
return call still has time left.

The morning digest is one look at the day; a follow-up set for `thu 8am` matters at 8, and a
return call promised within 24 hours is lost if nobody says so before it lapses. Everything
here is pure: the tick passes `now`, the rep's zone and days in.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.calls import Prospect

RETURN_CALL_WARNING = timedelta(hours=4)
"""An owed return call is nudged when this much of its 24 hours is left: enough to find a
window in the prospect's afternoon, too little to forget it again."""

LATE_LIMIT = timedelta(hours=1)
"""A tick that runs late (a restart, cron skipping) still sends a reminder this long after
its minute; later than that the moment has passed and the next digest says it anyway."""

_WEEKEND = frozenset({5, 6})


class ReminderKind(StrEnum):
    """Also the prefix of the reminder's claim and of its Snooze buttons' values."""

    FOLLOW_UP = "fu"
    RETURN_CALL = "owed"


class SnoozeFor(StrEnum):
    HOUR = "hour"
    TOMORROW = "tomorrow"


@dataclass(frozen=True)
class Reminder:
    """One nudge for one prospect at one minute."""

    kind: ReminderKind
    prospect: Prospect
    at: datetime
    """The minute it is due, as an aware instant."""
    target_id: int
    """The prospect's id for a follow-up, the owed return call's id for a return call."""
    called_at: datetime | None = None
    """When they called in (return calls)."""
    due_at: datetime | None = None
    """When the return call is owed by (return calls)."""
    meeting: bool = False
    """The follow-up is a booked meeting's time: a meeting to hold, not a call to make."""

    def claim_name(self, rep_tz: ZoneInfo) -> tuple[date, str]:
        """The local date and name under which the deliveries table holds it: the minute
        is in the name, so a snoozed reminder is a new one, and the same one is sent once."""
        local = self.at.astimezone(rep_tz)
        return local.date(), f"{self.kind.value}:{self.target_id}@{local:%H%M}"


def return_call_reminder_at(due_at: datetime, snoozed_to: datetime | None) -> datetime:
    return snoozed_to if snoozed_to is not None else due_at - RETURN_CALL_WARNING


def should_send(
    reminder: Reminder,
    now: datetime,
    rep_tz: ZoneInfo,
    rep_days: Container[int],
    last_call_at: datetime | None,
) -> bool:
    """Due from its minute until LATE_LIMIT after, and still worth saying.

    A follow-up goes out whenever the rep set it for, weekend or not: they chose the time.
    A return-call nudge keeps to the rep's working days (their digest days, never a weekend).
    Neither is sent once the prospect was called at or after the moment in question: the
    rep has already done what the reminder would ask.
    """
    if not reminder.at <= now < reminder.at + LATE_LIMIT:
        return False
    since = reminder.called_at if reminder.kind is ReminderKind.RETURN_CALL else reminder.at
    if last_call_at is not None and since is not None and last_call_at > since:
        return False
    if reminder.kind is ReminderKind.RETURN_CALL:
        weekday = reminder.at.astimezone(rep_tz).weekday()
        return weekday not in _WEEKEND and weekday in rep_days
    return True


def snoozed_until(
    choice: SnoozeFor, now: datetime, rep_tz: ZoneInfo, rep_days: Container[int]
) -> datetime:
    """An hour from now to the minute, or the same time on the rep's next working day."""
    if choice is SnoozeFor.HOUR:
        return (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    local = now.astimezone(rep_tz)
    day = local.date() + timedelta(days=1)
    for _ in range(7):
        if day.weekday() in rep_days:
            break
        day += timedelta(days=1)
    wall_clock = time(local.hour, local.minute)
    return datetime.combine(day, wall_clock, tzinfo=rep_tz)
