"""When a rep's daily digest is due, on the rep's own wall clock.

A digest is planning for the rep's working morning, so it is pinned to the local clock:
07:30 means 07:30 in the rep's zone on a daylight-saving change day too, and in zones with
half- or three-quarter-hour offsets (Kolkata, Chatham). "Due" is a state, not an instant:
from the digest time until local midnight on a workday. A scheduler tick that runs late
(a host was down, cron skipped a minute) therefore still delivers that day; making it
happen exactly once is the delivery claim's job in the database, not this module's.

Pure: the clock and the zone are parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.dates import WEEKDAYS
from bot.rules.money import CurrencyError, currency_code

DEFAULT_TIME = "07:00"
"""The start of the default calling day (`bot.rules.calls.WORKING_DAY`): the earliest window,
before 8:30 on the prospect's clock, opens at 7:00 for a Central rep calling New York, so a
later digest would list it only after it has closed."""
DEFAULT_DAYS = "mon,tue,wed,thu,fri"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_HH_MM = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})")
# How Slack sends a channel picked from the # menu in an escaped command: <#C123|sales>.
_CHANNEL_MENTION = re.compile(r"<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>")


class ScheduleError(ValueError):
    """A digest setting the rep typed that we could not accept; `message` quotes it back."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DigestSchedule:
    """One rep's digest time and workdays, read in the rep's zone."""

    at: time
    days: frozenset[int]
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, digest_time: str, digest_days: str, tz: str) -> DigestSchedule:
        """From the stored strings ("07:30", "mon,tue,wed,thu,fri", "America/Chicago")."""
        return cls(parse_digest_time(digest_time), parse_digest_days(digest_days), ZoneInfo(tz))


def parse_digest_time(text: str) -> time:
    """ "7:30" or "07:30" on a 24-hour clock; anything else is refused, quoting the text."""
    match = _HH_MM.fullmatch(text.strip())
    if match is None or int(match["h"]) > 23 or int(match["m"]) > 59:
        raise ScheduleError(f"“{text}” is not a time of day; use HH:MM on a 24-hour clock")
    return time(int(match["h"]), int(match["m"]))


def parse_digest_days(text: str) -> frozenset[int]:
    """Day names separated by commas or spaces ("mon,tue,thu" or "monday friday").

    Returned as `date.weekday()` numbers. An empty list is refused: a rep who wants no
    digest pauses it, which keeps the chosen days for when they resume.
    """
    words = [word for word in re.split(r"[\s,]+", text.strip().casefold()) if word]
    if not words:
        raise ScheduleError("Name at least one day, e.g. mon,tue,wed,thu,fri")
    days = set()
    for word in words:
        if word not in WEEKDAYS:
            raise ScheduleError(f"“{word}” is not a day of the week; use mon, tue, … sun")
        days.add(WEEKDAYS[word])
    return frozenset(days)


def format_digest_time(at: time) -> str:
    """The stored form, "07:30"."""
    return f"{at:%H:%M}"


def format_digest_days(days: Iterable[int]) -> str:
    """The stored form, "mon,tue,wed,thu,fri", always in week order."""
    return ",".join(DAY_NAMES[day] for day in sorted(set(days)))


def due_date(schedule: DigestSchedule, now: datetime) -> date | None:
    """The rep's local date whose digest is due at `now`, or None when none is.

    Due means: a chosen workday in the rep's zone and the local wall clock at or past the
    digest time. Comparing wall-clock times, not UTC instants, is what keeps a 07:30
    digest at 07:30 across daylight-saving changes; a digest time skipped by a spring-
    forward gap becomes due at the first minute after the gap. `now` must be aware.
    """
    local = now.astimezone(schedule.tz)
    if local.weekday() not in schedule.days:
        return None
    if local.time().replace(tzinfo=None) < schedule.at:
        return None
    return local.date()


def next_digest_at(schedule: DigestSchedule, now: datetime) -> datetime:
    """When the next digest becomes due after `now`, in the rep's zone, for confirmations.

    Today's time counts if it is still ahead; otherwise the next chosen workday.
    """
    local = now.astimezone(schedule.tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in schedule.days:
            continue
        candidate = datetime.combine(day, schedule.at, tzinfo=schedule.tz)
        if candidate > now:
            return candidate
    raise ScheduleError("No digest days are set")


USAGE = (
    "/digest now: preview today's digest here (the daily one still comes)\n"
    "/digest time HH:MM: when it arrives, on a 24-hour clock in your time zone, e.g. 07:30\n"
    "/digest days mon,tue,wed,thu,fri: the days it comes\n"
    "/digest pause | resume: stop or restart it\n"
    "/digest empty on|off: also send it on days with nothing due\n"
    "/digest reminders on|off: a DM at each follow-up time and 4 hours before a return call "
    "is due\n"
    "/digest weekly HH:MM|off: when your Friday picture of the week comes, or none\n"
    "/digest team [#channel]: post the team's week in a channel (here if none is named)\n"
    "/digest learning on|off: workspace admins: rank call windows by your team's dials, "
    "or by experience alone\n"
    "/digest currency £|€|$|CHF…: workspace admins: the currency deal values are in\n"
    "/digest: show your settings"
)


@dataclass(frozen=True)
class DigestCommand:
    """What `/digest ...` asked for: a preview, the settings, or changes to them.

    Changed settings are already validated and in their stored form.
    """

    preview: bool = False
    show_help: bool = False
    digest_time: str | None = None
    digest_days: str | None = None
    paused: bool | None = None
    when_empty: bool | None = None
    reminders: bool | None = None
    weekly_time: str | None = None
    weekly_off: bool = False
    learning: bool | None = None
    """The workspace's setting, for admins only; None when not asked."""
    team: bool = False
    """Post the team's week in a channel: `team_channel`, or the one the command came from."""
    team_channel: str | None = None
    currency: str | None = None
    """The workspace's deal currency (an ISO code), for admins only; None when not asked."""

    @property
    def changes_settings(self) -> bool:
        """Whether the rep's own settings change (the workspace's `learning` is apart)."""
        return self.weekly_off or any(
            value is not None
            for value in (
                self.digest_time,
                self.digest_days,
                self.paused,
                self.when_empty,
                self.reminders,
                self.weekly_time,
            )
        )


def parse_digest_command(text: str) -> DigestCommand:
    """Read `/digest` text; raises ScheduleError quoting what was not understood."""
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.casefold(), rest.strip()
    if verb == "":
        return DigestCommand()
    if verb == "help":
        return DigestCommand(show_help=True)
    if verb in ("now", "pause", "resume") and rest:
        raise ScheduleError(f"“{text.strip()}”: `/digest {verb}` takes nothing after it")
    if verb == "now":
        return DigestCommand(preview=True)
    if verb in ("pause", "resume"):
        return DigestCommand(paused=verb == "pause")
    if verb in ("time", "days") and not rest:
        example = "07:30" if verb == "time" else "mon,tue,wed,thu,fri"
        raise ScheduleError(f"`/digest {verb}` needs a value, e.g. `/digest {verb} {example}`")
    if verb == "time":
        return DigestCommand(digest_time=format_digest_time(parse_digest_time(rest)))
    if verb == "days":
        return DigestCommand(digest_days=format_digest_days(parse_digest_days(rest)))
    if verb in ("empty", "learning", "reminders"):
        if rest.casefold() not in ("on", "off"):
            raise ScheduleError(f"“{rest}”: say `/digest {verb} on` or `/digest {verb} off`")
        on = rest.casefold() == "on"
        switches = {
            "empty": DigestCommand(when_empty=on),
            "learning": DigestCommand(learning=on),
            "reminders": DigestCommand(reminders=on),
        }
        return switches[verb]
    if verb == "weekly":
        if not rest:
            raise ScheduleError("`/digest weekly` needs a time or off, e.g. `/digest weekly 15:00`")
        if rest.casefold() == "off":
            return DigestCommand(weekly_off=True)
        return DigestCommand(weekly_time=format_digest_time(parse_digest_time(rest)))
    if verb == "currency":
        return DigestCommand(currency=_currency(rest))
    if verb == "team":
        return DigestCommand(team=True, team_channel=parse_channel(rest) if rest else None)
    raise ScheduleError(
        f"“{text.strip()}” is not a digest command; try now, time, days, pause, resume, empty, "
        "reminders, weekly, team, learning or currency"
    )


def _currency(text: str) -> str:
    if not text:
        raise ScheduleError("`/digest currency` needs one, e.g. `/digest currency £` or `EUR`")
    try:
        return currency_code(text)
    except CurrencyError as problem:
        raise ScheduleError(problem.message) from None


def parse_channel(text: str) -> str:
    """The channel id in Slack's escaped mention `<#C123|sales>`.

    A bare "#sales" is refused: names change and repeat across workspaces, ids do not, and
    Slack sends the id when the channel is picked from the list that opens at "#".
    """
    match = _CHANNEL_MENTION.fullmatch(text.strip())
    if match is None:
        raise ScheduleError(
            f"“{text.strip()}”: pick the channel from the list that opens as you type #, "
            "or run `/digest team` in that channel"
        )
    return match["id"]


def heads_up_date(schedule: DigestSchedule, day_starts: time, now: datetime) -> date | None:
    """The rep's local date whose "window opens now" heads-up is due at `now`, or None.

    Due on a digest day from the start of the rep's calling day until their digest time,
    when the digest comes later than the day starts: the windows that open in between
    would otherwise be told only once they had passed. After the digest time the digest
    itself says it all, so a late tick sends nothing.
    """
    local = now.astimezone(schedule.tz)
    wall_clock = local.time().replace(tzinfo=None)
    if local.weekday() not in schedule.days or not day_starts <= wall_clock < schedule.at:
        return None
    return local.date()
