"""The sales rep's vocabulary: outcomes, prospects, call logs and call windows.

Plain frozen dataclasses so the rules in `bot/` can be read and tested without
Slack or a database; `storage/` converts its rows into these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo


class Outcome(StrEnum):
    CONNECTED = "connected"
    VOICEMAIL = "vm"
    NO_ANSWER = "noanswer"
    GATEKEEPER = "gatekeeper"
    WRONG = "wrong"
    CALLBACK = "callback"
    INBOUND = "inbound"
    MEETING = "meeting"
    EMAIL = "email"
    NOT_INTERESTED = "notinterested"
    WON = "won"
    LOST = "lost"
    DNC = "dnc"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.CONNECTED: "Connected",
    Outcome.VOICEMAIL: "Voicemail left",
    Outcome.NO_ANSWER: "No answer",
    Outcome.GATEKEEPER: "Reached a gatekeeper",
    Outcome.WRONG: "Wrong number",
    Outcome.CALLBACK: "They promised to call back",
    Outcome.INBOUND: "They called you",
    Outcome.MEETING: "Meeting set",
    Outcome.EMAIL: "Email sent instead",
    Outcome.NOT_INTERESTED: "Not interested",
    Outcome.WON: "Won",
    Outcome.LOST: "Lost",
    Outcome.DNC: "Do not call",
}

# Dials the rep made: these spend the attempt budget. Inbound calls and emails do not.
OUTBOUND_DIALS = frozenset(
    {
        Outcome.CONNECTED,
        Outcome.VOICEMAIL,
        Outcome.NO_ANSWER,
        Outcome.GATEKEEPER,
        Outcome.WRONG,
        Outcome.CALLBACK,
        Outcome.MEETING,
        Outcome.NOT_INTERESTED,
    }
)

# A live conversation happened: the prospect was reached.
CONVERSATIONS = frozenset(
    {Outcome.CONNECTED, Outcome.MEETING, Outcome.CALLBACK, Outcome.INBOUND, Outcome.WON}
)


class ProspectStatus(StrEnum):
    ACTIVE = "active"
    WON = "won"
    LOST = "lost"
    NOT_INTERESTED = "notinterested"
    DNC = "dnc"
    WRONG_NUMBER = "wrong"


# Outcomes that close the prospect out of every call list.
CLOSING_OUTCOMES: dict[Outcome, ProspectStatus] = {
    Outcome.WON: ProspectStatus.WON,
    Outcome.LOST: ProspectStatus.LOST,
    Outcome.NOT_INTERESTED: ProspectStatus.NOT_INTERESTED,
    Outcome.DNC: ProspectStatus.DNC,
}


@dataclass(frozen=True)
class Prospect:
    id: int | None
    name: str
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    tz: str | None = None
    deal_value: int | None = None
    referrer: str | None = None
    connection_note: str | None = None
    """The rep's private note: shown to the rep, never put in a draft."""
    status: ProspectStatus = ProspectStatus.ACTIVE
    snoozed_until: datetime | None = None
    follow_up_at: datetime | None = None
    hook: str | None = None
    """A talking point drafts may say aloud ("their Q1 rollout")."""

    def zone(self, fallback: ZoneInfo) -> ZoneInfo:
        """Their own clock when known; otherwise the rep's (`fallback`), the best guess for
        a prospect nobody gave a zone or a phone to infer it from."""
        return ZoneInfo(self.tz) if self.tz else fallback


@dataclass(frozen=True)
class CallLog:
    outcome: Outcome
    at: datetime
    notes: str = ""
    follow_up_at: datetime | None = None


@dataclass(frozen=True)
class Rep:
    user_id: str
    tz: str
    name: str = ""
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    benefit: str | None = None
    desk_hours: DeskHours | None = None
    """When they are at their desk for return calls, on their own clock."""
    partners: tuple[str, ...] = ()
    """Firms they point callers to when the need is not theirs."""
    working_day: DeskHours | None = None
    """When they make calls, on their own clock; None is WORKING_DAY."""

    @property
    def day(self) -> DeskHours:
        return self.working_day or WORKING_DAY


@dataclass(frozen=True)
class DeskHours:
    """When the rep is at their desk for return calls, on their own clock, on workdays."""

    start: time
    end: time

    def stored(self) -> str:
        """'09:00-12:00', the profile column's form."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


WORKING_DAY = DeskHours(time(7, 0), time(19, 0))
"""The rep's working day on their own clock unless they set another: a window at 1 a.m. for
the rep is no window, however good it is for the prospect."""


@dataclass(frozen=True)
class CallWindow:
    """A stretch of the prospect's day when they, not a gatekeeper, pick up."""

    start: datetime
    end: datetime
    label: str
    tz: str
