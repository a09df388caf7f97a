"""What Phone Tag needs from a CRM, in the rep's words, whichever CRM it is.

The adapters (`hubspot`, `salesforce`) turn these into the vendor's own client calls and
turn the vendor's failures into the four errors below, which is all the outbox and the
pull need to know: wait and retry, stop until an admin fixes the token, or give up on one
record and say why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.rules.calls import Outcome


class CrmKind(StrEnum):
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"

    @property
    def label(self) -> str:
        return "HubSpot" if self is CrmKind.HUBSPOT else "Salesforce"


class CallDisposition(StrEnum):
    """HubSpot's default call outcomes, by the label reps see in both CRMs."""

    CONNECTED = "Connected"
    LEFT_VOICEMAIL = "Left voicemail"
    LEFT_LIVE_MESSAGE = "Left live message"
    NO_ANSWER = "No answer"
    WRONG_NUMBER = "Wrong number"
    BUSY = "Busy"


DISPOSITIONS: dict[Outcome, CallDisposition] = {
    Outcome.CONNECTED: CallDisposition.CONNECTED,
    Outcome.MEETING: CallDisposition.CONNECTED,
    Outcome.CALLBACK: CallDisposition.CONNECTED,
    Outcome.INBOUND: CallDisposition.CONNECTED,
    Outcome.NOT_INTERESTED: CallDisposition.CONNECTED,
    Outcome.WON: CallDisposition.CONNECTED,
    Outcome.LOST: CallDisposition.CONNECTED,
    Outcome.DNC: CallDisposition.CONNECTED,
    Outcome.VOICEMAIL: CallDisposition.LEFT_VOICEMAIL,
    # The message went to a person, just not the prospect.
    Outcome.GATEKEEPER: CallDisposition.LEFT_LIVE_MESSAGE,
    Outcome.NO_ANSWER: CallDisposition.NO_ANSWER,
    Outcome.WRONG: CallDisposition.WRONG_NUMBER,
}
"""Every outcome but `email`, which is not a call: the CRM logs emails its own way."""

DISPOSITION_IDS: dict[CallDisposition, str] = {
    # HubSpot's default call outcomes: the same internal ids in every account.
    CallDisposition.BUSY: "9d9162e7-6cf3-4944-bf63-4dff82258764",
    CallDisposition.CONNECTED: "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    CallDisposition.LEFT_LIVE_MESSAGE: "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    CallDisposition.LEFT_VOICEMAIL: "b2cf5968-551e-4856-9783-52b3da59a7d0",
    CallDisposition.NO_ANSWER: "73a0d17f-1163-4015-bdd5-ec830791da20",
    CallDisposition.WRONG_NUMBER: "17b47fee-58de-441e-a44c-c6300d46f273",
}


class CrmError(Exception):
    """A CRM failure; `message` says it in words an admin or rep can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CrmUnavailable(CrmError):
    """Down, overloaded or rate-limited: nothing was written, try again later.

    `retry_after` is the CRM's own hint in seconds (HubSpot's 429 headers), when it gave one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CrmAuthRejected(CrmError):
    """The CRM refused the credentials: nothing goes until an admin reconnects."""


class CrmRejected(CrmError):
    """The CRM refused this one record (a field it will not take); others still go."""


@dataclass(frozen=True)
class CrmAccount:
    """What a cheap read tells about the account: what record links are built on."""

    account_id: str
    web_url: str


@dataclass(frozen=True)
class CrmRecordRef:
    crm_id: str
    crm_object: str
    """"contact" (HubSpot, Salesforce) or "lead" (Salesforce)."""


@dataclass(frozen=True)
class CrmContact:
    """A prospect as the CRM has it, with the time it last changed there."""

    ref: CrmRecordRef
    name: str
    modified_at: datetime
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    deal_amount: str | None = None
    """The largest open deal's amount as the CRM writes it ("12000.50"), read as the CSV
    import reads an Amount column."""
    warning: str | None = None
    """What the CRM refused about this contact's page (its deal amounts): the contact
    still comes in, the pull moves on, and the rep hears why."""


@dataclass(frozen=True)
class NewContact:
    """A prospect a rep created in Slack, created in the CRM with their first pushed call."""

    name: str
    owner_id: str | None
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CallLinks:
    """What a call is filed under: the prospect's live record (a converted Lead's Contact),
    its company (HubSpot company, Salesforce Account) and open deal, when there are."""

    contact: CrmRecordRef
    company_id: str | None = None
    deal_id: str | None = None


@dataclass(frozen=True)
class CallRecord:
    """One logged call as the CRM gets it.

    `reference` is our external id for the call ("phonetag T1-42"): it is written into the
    record's title (HubSpot) or subject (Salesforce), and looked up before any retry creates
    the call again, so a push whose answer was lost never makes a second record.
    """

    reference: str
    outcome: Outcome
    disposition: CallDisposition
    at: datetime
    day: date
    """The call's date on the rep's own calendar (a 6 PM call in Chicago is that day's)."""
    notes: str
    links: CallLinks
    owner_id: str | None
    duration_seconds: int | None = None
    """From the phone system, for a call logged from its event; None for a typed call."""
    recording_url: str | None = None
    rep_number: str | None = None
    prospect_number: str | None = None
    mapped_disposition: str | None = None
    """The CRM's own call outcome an admin mapped this outcome to (a HubSpot disposition
    id, a Salesforce CallDisposition text); None for the default."""

    @property
    def contact(self) -> CrmRecordRef:
        return self.links.contact

    @property
    def from_number(self) -> str | None:
        return self.prospect_number if self.inbound else self.rep_number

    @property
    def to_number(self) -> str | None:
        return self.rep_number if self.inbound else self.prospect_number

    @property
    def title(self) -> str:
        return call_title(self.disposition, self.reference)

    @property
    def inbound(self) -> bool:
        return self.outcome is Outcome.INBOUND


class CrmPort(Protocol):
    kind: CrmKind

    @property
    def credentials(self) -> Mapping[str, str]:
        """The access token in use now: a Salesforce adapter renews its own, and the
        renewed one is stored again after the work."""
        ...

    def check(self) -> CrmAccount:
        """One cheap read that proves the credentials work."""
        ...

    def call_outcomes(self) -> list[tuple[str, str]] | None:
        """The account's call outcomes as (value, label) for an admin to map ours to; None
        where the CRM takes any text (Salesforce's CallDisposition)."""
        ...

    def owner_for_email(self, email: str) -> str | None:
        """The CRM user with this email: a rep's contacts are the ones they own."""
        ...

    def contacts_changed(self, owner_id: str, since: datetime | None) -> Iterator[CrmContact]:
        """The owner's contacts changed at or after `since` (all when None), oldest first,
        every page of them."""
        ...

    def find_contact(self, email: str | None, phone: str | None) -> CrmRecordRef | None: ...

    def find_created(self, contact: NewContact, since: datetime) -> CrmRecordRef | None:
        """The record an earlier create of ours made for this prospect, whose answer was
        lost: same name and owner, created at or after `since` (when the call was logged).
        Asked before every create, so a prospect with no email or phone is not made twice."""
        ...

    def create_contact(self, contact: NewContact) -> CrmRecordRef: ...

    def call_links(self, contact: CrmRecordRef) -> CallLinks:
        """Where a call with this contact goes: a converted Lead is followed to its
        Contact, and the company and open deal found."""
        ...

    def find_call(self, title: str, contact: CrmRecordRef | None = None) -> str | None:
        """The call pushed earlier with this title (which ends with our reference); with the
        contact, looked for among its calls, which a search index may not show yet."""
        ...

    def create_call(self, call: CallRecord) -> str: ...

    def delete_call(self, crm_id: str) -> None:
        """Deleting one that is already gone is not an error: Undo wants it gone."""
        ...


def record_url(kind: CrmKind, account: CrmAccount, ref: CrmRecordRef) -> str:
    """Where a rep opens the prospect's record in the CRM's own web app."""
    if kind is CrmKind.HUBSPOT:
        return f"{account.web_url}/contacts/{account.account_id}/record/0-1/{ref.crm_id}"
    return f"{account.web_url}/lightning/r/{ref.crm_object.title()}/{ref.crm_id}/view"


def call_reference(team_id: str, call_id: int) -> str:
    return f"phonetag {team_id}-{call_id}"


def call_title(disposition: CallDisposition, reference: str) -> str:
    return f"{disposition.value} ({reference})"
