"""Keeping a rep's prospect list clean: who counts as the same person, and how long a snooze is.

A rep who adds "Jane Doe" twice, or imports the same CRM export twice, must not end up with
two Janes: two rows split the call history, so the cadence would count half the voicemails
and the rep would pester her. The same person is the same normalised phone (as phone or
cell), the same email in any case, or the same name in any case.

Pure: keys are computed by the caller, the clock and zone are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.calls import CallWindow, Prospect, ProspectStatus
from bot.rules.phones import speakable_phone, timezone_for_phone


class ListFilter(StrEnum):
    """Which prospects `/prospect list` shows."""

    DUE = "due"
    OWED = "owed"
    LAID_OFF = "laidoff"
    ACTIVE = "active"
    WON = "won"
    LOST = "lost"
    NOT_INTERESTED = "notinterested"
    WRONG = "wrong"
    DNC = "dnc"
    ALL = "all"


@dataclass(frozen=True)
class ProspectFields:
    """Everything a rep (or a CRM export) says about a prospect, already validated."""

    name: str
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    tz: str | None = None
    deal_value: int | None = None
    referrer: str | None = None
    connection_note: str | None = None
    """Private: the rep's own note, never drafted."""
    status: ProspectStatus = ProspectStatus.ACTIVE
    hook: str | None = None
    """A talking point drafts may say aloud."""

    def zone(self) -> tuple[str | None, bool]:
        """(zone, inferred): the one given, else the phone's, so call windows land on the
        prospect's clock without the rep looking up area codes."""
        if self.tz:
            return self.tz, False
        inferred = timezone_for_phone(self.phone or self.cell or "")
        return inferred, inferred is not None


@dataclass(frozen=True)
class DraftUse:
    """A draft already given for a prospect: what kind, when, and the fact it revealed."""

    kind: str
    at: datetime
    fact: str | None


@dataclass(frozen=True)
class ListedProspect:
    """One list entry; the optional parts are set by the filters that explain them."""

    prospect: Prospect
    window: CallWindow | None = None
    return_due: datetime | None = None
    laid_off_until: datetime | None = None
    rule: str | None = None


class MatchedOn(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True)
class KnownProspect:
    """Just enough of a prospect to say which one a newcomer duplicates."""

    id: int | None
    name: str
    name_key: str
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    row: int | None = None
    """The import row it came from, when it was met earlier in the same file."""


@dataclass(frozen=True)
class Duplicate:
    """The prospect the rep already has, and the detail that gave it away."""

    existing: KnownProspect
    matched_on: MatchedOn
    field: str
    """The newcomer's field that matched (name, phone, cell or email): where a form shows it."""


class DuplicateIndex:
    """The rep's prospects by phone, email and name key, for finding a newcomer's twin.

    Built once from a rep's rows, so an import of thousands checks each row in memory and
    the database is asked once, not once per row.
    """

    def __init__(self, known: Iterable[KnownProspect] = ()) -> None:
        self._phones: dict[str, KnownProspect] = {}
        self._emails: dict[str, KnownProspect] = {}
        self._names: dict[str, KnownProspect] = {}
        for prospect in known:
            self.add(prospect)

    def add(self, prospect: KnownProspect) -> None:
        """Remember `prospect`; the first one holding a key keeps it."""
        for number in (prospect.phone, prospect.cell):
            if number:
                self._phones.setdefault(number, prospect)
        if prospect.email:
            self._emails.setdefault(prospect.email.casefold(), prospect)
        self._names.setdefault(prospect.name_key, prospect)

    def discard(self, prospect: KnownProspect) -> None:
        """Forget `prospect` (an import row the database refused), so no later row is called
        its duplicate."""
        keys = [
            (self._phones, prospect.phone),
            (self._phones, prospect.cell),
            (self._emails, (prospect.email or "").casefold()),
            (self._names, prospect.name_key),
        ]
        for index, key in keys:
            if key and index.get(key) is prospect:
                del index[key]

    def find(self, newcomer: KnownProspect, *, ignore_id: int | None = None) -> Duplicate | None:
        """The known prospect `newcomer` duplicates, phone first: a number rings one person,
        while two people may share a name. `ignore_id` is the prospect being edited."""
        checks = [
            ("phone", MatchedOn.PHONE, self._phones, newcomer.phone),
            ("cell", MatchedOn.PHONE, self._phones, newcomer.cell),
            ("email", MatchedOn.EMAIL, self._emails, (newcomer.email or "").casefold()),
            ("name", MatchedOn.NAME, self._names, newcomer.name_key),
        ]
        for field, matched_on, index, key in checks:
            existing = index.get(key) if key else None
            if existing is not None and (ignore_id is None or existing.id != ignore_id):
                return Duplicate(existing, matched_on, field)
        return None


def snooze_end(days: int, now: datetime, rep_tz: ZoneInfo) -> datetime:
    """The start of the rep's day `days` days ahead, in UTC.

    "Snooze a day" means back on tomorrow's list, digest included; counting 24 hours from
    a 4 pm snooze would miss tomorrow morning's digest.
    """
    day = now.astimezone(rep_tz).date() + timedelta(days=days)
    return datetime.combine(day, time(0, 0), tzinfo=rep_tz).astimezone(UTC)


def describe_duplicate(duplicate: Duplicate) -> str:
    """'You already have Jane Doe (312-555-0100): same phone.', plain text for any surface."""
    existing = duplicate.existing
    number = existing.phone or existing.cell
    contact = speakable_phone(number) if number else existing.email
    who = f"{existing.name} ({contact})" if contact else existing.name
    if existing.row is not None:
        return f"Same {duplicate.matched_on.value} as row {existing.row} ({who})."
    return f"You already have {who}: same {duplicate.matched_on.value}."
