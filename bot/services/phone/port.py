"""The phone-system port: what every vendor's webhook is read into, and what a call asks of
the rep. A third system (Dialpad, RingCentral) is one more adapter with `read`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.rules.calls import Outcome


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Unverified(Exception):
    """The body is not from the phone system (wrong token or signature): 401, nothing done."""


class Malformed(Exception):
    """Verified, or not yet verifiable, but not a shape we read: 400, nothing done."""


_CALL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_URL = re.compile(r"https://[!-~]{1,990}")
_EMAIL = re.compile(r"[!-~]{1,254}")
"""Printable ASCII without spaces: anything else (a NUL, which PostgreSQL refuses) is not
a value the vendor sends."""


def call_id(value: object) -> str:
    """The vendor's call id as text; raises Malformed for anything we would not store."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _CALL_ID.fullmatch(text):
        raise Malformed("call id missing or not a plain id")
    return text


def recording_link(value: object) -> str | None:
    """An https link to the recording, or None for anything else."""
    return value if isinstance(value, str) and _URL.fullmatch(value) else None


def email_address(value: object) -> str | None:
    return value if isinstance(value, str) and "@" in value and _EMAIL.fullmatch(value) else None


@dataclass(frozen=True)
class PhoneCall:
    """One finished call, as any phone system describes it.

    `number` is the other party's (the prospect's), E.164; the rep is named by `rep_email`
    (Aircall's user) or `rep_number` (the line they called from or were called on).
    """

    vendor: str
    call_id: str
    direction: Direction
    answered: bool
    started_at: datetime
    duration_seconds: int
    number: str
    rep_email: str | None = None
    rep_number: str | None = None
    machine: bool = False
    """Answering-machine detection heard a machine: a voicemail is likely, not certain."""
    recording_url: str | None = None
    unassigned: bool = False
    """The phone system names no user on the call (a missed call to a shared line): it
    belongs to the rep whose prospect is calling, if only one has that number."""


@dataclass(frozen=True)
class Delivery:
    """What a webhook said: a finished call to act on, or an earlier event (created,
    ringing, answered) that the finished one will repeat, acknowledged and ignored."""

    call: PhoneCall | None
    account: str | None = None
    """The vendor's account the event came from (Twilio's AccountSid), when it says."""


class PhoneSystem(Protocol):
    vendor: str

    def read(
        self, body: bytes, headers: Mapping[str, str], url: str, tokens: list[str]
    ) -> tuple[Delivery, str]:
        """Verify `body` with one of `tokens` (compared in constant time) before reading it
        further; return what it says and the token that matched. Raises Unverified or
        Malformed, having read no more than it needed to refuse."""
        ...


class Handling(StrEnum):
    """What a finished call asks of the rep."""

    LOG_NO_ANSWER = "no_answer"
    """Nobody picked up and nothing was said: logged without asking."""
    LOG_INBOUND = "inbound"
    """The prospect called: logged at once, so the return-call clock starts."""
    ASK = "ask"
    """Something was said: only the rep knows how it went."""
    OFFER_PROSPECT = "offer"
    """A number we don't know called: "Save as prospect?"."""
    IGNORE = "ignore"


def handling(call: PhoneCall, known_prospect: bool) -> Handling:
    """Inbound calls from prospects are logged whether answered or missed (either way the
    rep owes the call back); an outbound call that never connected is a no-answer without
    asking; anything that connected, a machine included, is the rep's to describe."""
    if call.direction is Direction.INBOUND:
        return Handling.LOG_INBOUND if known_prospect else Handling.OFFER_PROSPECT
    if not known_prospect:
        return Handling.IGNORE
    if not call.answered and call.duration_seconds == 0:
        return Handling.LOG_NO_ANSWER
    return Handling.ASK


QUICK_OUTCOMES: tuple[Outcome, ...] = (
    Outcome.CONNECTED,
    Outcome.VOICEMAIL,
    Outcome.GATEKEEPER,
    Outcome.NO_ANSWER,
    Outcome.MEETING,
    Outcome.CALLBACK,
)
"""The buttons under "how did it go?", commonest first."""


def quick_outcomes(call: PhoneCall) -> tuple[Outcome, ...]:
    """A machine-detected answer offers the voicemail first; it is still the rep's tap."""
    if call.machine:
        return (Outcome.VOICEMAIL, *(o for o in QUICK_OUTCOMES if o is not Outcome.VOICEMAIL))
    return QUICK_OUTCOMES
