"""Phone systems: which workspace a phone account belongs to, and each call it told us
about, kept by the vendor's call id so a call delivered twice is acted on once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_for
from storage.models import (
    CallLogRow,
    OwedReturnCallRow,
    PhoneAccountRow,
    PhoneEventRow,
    ProspectRow,
    RepRow,
)

HAND_LOGGED_WINDOW = timedelta(minutes=10)
"""A call the rep typed this close to the phone system's is the same call: reps log the time
they remember, and it is rarely exact."""


class EventStatus(StrEnum):
    ASKED = "asked"
    """The rep has the one-tap question."""
    LOGGED = "logged"
    MATCHED = "matched"
    """The rep had typed the call already: it gained the duration and recording."""
    OFFERED = "offered"
    """A caller we don't know: "Save as prospect?"."""


@dataclass(frozen=True)
class NewEvent:
    team_id: str
    vendor: str
    vendor_call_id: str
    rep_user_id: str
    prospect_id: int | None
    number: str
    direction: str
    answered: bool
    machine: bool
    started_at: datetime
    duration_seconds: int
    recording_url: str | None
    status: EventStatus


def save_account(
    session: Session, team_id: str, vendor: str, sealed_token: str | None, by: str, now: datetime
) -> None:
    row = session.get(PhoneAccountRow, (team_id, vendor))
    if row is None:
        session.add(
            PhoneAccountRow(
                team_id=team_id,
                vendor=vendor,
                token=sealed_token,
                connected_by=by,
                connected_at=now,
            )
        )
    else:
        row.token, row.connected_by, row.connected_at = sealed_token, by, now
    session.flush()


def accounts(session: Session, vendor: str) -> list[tuple[str, str | None]]:
    """Every workspace's account with this vendor: (team_id, sealed token or None)."""
    rows = session.execute(
        select(PhoneAccountRow.team_id, PhoneAccountRow.token)
        .where(PhoneAccountRow.vendor == vendor)
        .order_by(PhoneAccountRow.team_id)
    ).all()
    return [(team_id, token) for team_id, token in rows]


def connected_vendors(session: Session, team_id: str) -> list[str]:
    return list(
        session.scalars(
            select(PhoneAccountRow.vendor)
            .where(PhoneAccountRow.team_id == team_id)
            .order_by(PhoneAccountRow.vendor)
        )
    )


def workspaces_with_reps(session: Session, limit: int = 2) -> list[str]:
    """Up to `limit` workspaces anyone has used the bot in: with one, it is the install."""
    return list(session.scalars(select(RepRow.team_id).distinct().limit(limit)))


def rep_by_email(session: Session, team_id: str, email: str) -> str | None:
    """The rep whose profile email this is (any case), if exactly one."""
    found = session.scalars(
        select(RepRow.user_id)
        .where(RepRow.team_id == team_id, func.lower(RepRow.email) == email.lower())
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def rep_by_number(session: Session, team_id: str, number: str) -> str | None:
    """The rep whose own phone or cell (E.164) this is, if exactly one."""
    found = session.scalars(
        select(RepRow.user_id)
        .where(RepRow.team_id == team_id, or_(RepRow.phone == number, RepRow.cell == number))
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def owner_of_number(session: Session, team_id: str, number: str) -> str | None:
    """The one rep with a prospect on this number: who a call nobody took belongs to."""
    found = session.scalars(
        select(ProspectRow.owner_id)
        .where(ProspectRow.team_id == team_id, _dialed(number))
        .distinct()
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def prospect_by_number(session: Session, team_id: str, owner_id: str, number: str) -> int | None:
    """The rep's own prospect on this number, the oldest when two share it (a switchboard)."""
    return session.scalar(
        select(ProspectRow.id)
        .where(ProspectRow.team_id == team_id, ProspectRow.owner_id == owner_id, _dialed(number))
        .order_by(ProspectRow.id)
        .limit(1)
    )


def _dialed(number: str) -> ColumnElement[bool]:
    return or_(ProspectRow.phone == number, ProspectRow.cell == number)


def claim_event(session: Session, event: NewEvent, now: datetime) -> int | None:
    """The event's id, or None when this call was seen before (by any delivery)."""
    return session.scalar(
        insert_for(session, PhoneEventRow)
        .values(**asdict(event), received_at=now)
        .on_conflict_do_nothing()
        .returning(PhoneEventRow.id)
    )


def hand_logged_call(
    session: Session, team_id: str, rep_user_id: str, prospect_id: int, at: datetime
) -> int | None:
    """A call the rep logged themselves within HAND_LOGGED_WINDOW of `at` to this prospect,
    not yet matched to another phone event: the closest one."""
    matched = select(PhoneEventRow.call_log_id).where(PhoneEventRow.call_log_id.is_not(None))
    rows = session.execute(
        select(CallLogRow.id, CallLogRow.at).where(
            CallLogRow.team_id == team_id,
            CallLogRow.rep_user_id == rep_user_id,
            CallLogRow.prospect_id == prospect_id,
            CallLogRow.at.between(at - HAND_LOGGED_WINDOW, at + HAND_LOGGED_WINDOW),
            CallLogRow.id.not_in(matched),
        )
    ).all()
    if not rows:
        return None
    return min(rows, key=lambda row: abs(row.at - at)).id


def match_call(session: Session, event_id: int, call_id: int) -> None:
    """The event is this logged call: it gains the phone system's duration and recording."""
    event = session.get(PhoneEventRow, event_id)
    assert event is not None
    event.status, event.call_log_id = EventStatus.MATCHED, call_id
    session.execute(
        update(CallLogRow)
        .where(CallLogRow.id == call_id, CallLogRow.duration_seconds.is_(None))
        .values(duration_seconds=event.duration_seconds, recording_url=event.recording_url)
    )
    session.flush()


def event(session: Session, team_id: str, event_id: int) -> PhoneEventRow | None:
    return session.scalar(
        select(PhoneEventRow).where(PhoneEventRow.team_id == team_id, PhoneEventRow.id == event_id)
    )


def mark_logged(session: Session, event_id: int, call_id: int) -> None:
    session.execute(
        update(PhoneEventRow)
        .where(PhoneEventRow.id == event_id)
        .values(status=EventStatus.LOGGED, call_log_id=call_id)
    )


def forget_event(session: Session, event_id: int) -> None:
    session.execute(delete(PhoneEventRow).where(PhoneEventRow.id == event_id))


def return_call_due(session: Session, event_id: int) -> datetime | None:
    """When the return call an inbound call logged from this event is owed by."""
    return session.scalar(
        select(OwedReturnCallRow.due_at)
        .join(PhoneEventRow, PhoneEventRow.call_log_id == OwedReturnCallRow.inbound_call_id)
        .where(PhoneEventRow.id == event_id)
    )
