"""Named queries. Each takes a session and the Slack team_id; handlers never build SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.rules.calls import CallLog, Outcome, Prospect, ProspectStatus, Rep
from bot.rules.proposals import read_desk_hours, split_partners
from storage import standing
from storage.db import DIALECT_INSERTS, insert_for
from storage.models import (
    CallLogRow,
    CrmConnectionRow,
    OwedReturnCallRow,
    ProcessedEventRow,
    ProspectRow,
    RepRow,
    Workspace,
)

T = TypeVar("T")


def name_key(name: str) -> str:
    """Reps type names in any case; matching ignores it."""
    return " ".join(name.casefold().split())


def workspace(session: Session, team_id: str, now: datetime) -> Workspace:
    """The workspace row, created by whichever of many concurrent first requests gets there."""
    found = session.get(Workspace, team_id)
    if found is None:
        session.execute(
            insert_for(session, Workspace)
            .values(team_id=team_id, cadence_rules={}, created_at=now)
            .on_conflict_do_nothing()
        )
        found = session.get(Workspace, team_id)
    return found  # type: ignore[return-value]


def rep_row(session: Session, team_id: str, user_id: str) -> RepRow | None:
    return session.scalars(
        select(RepRow).where(RepRow.team_id == team_id, RepRow.user_id == user_id)
    ).one_or_none()


REP_AND_RULES_COLUMNS = (
    RepRow.tz,
    RepRow.name,
    RepRow.home_opened_at,
    Workspace.cadence_rules,
    exists()
    .where(CrmConnectionRow.team_id == RepRow.team_id)
    .correlate(RepRow)
    .label("crm_connected"),
)
"""What every command needs of the rep (zone, name, first Home opening) and what logging
needs of their workspace (stored cadence rules, whether a CRM is connected)."""
_REP_AND_RULES = (
    select(*REP_AND_RULES_COLUMNS)
    .outerjoin(Workspace, Workspace.team_id == RepRow.team_id)
    .where(RepRow.team_id == bindparam("team_id"), RepRow.user_id == bindparam("user_id"))
)


def rep_and_rules(session: Session, team_id: str, user_id: str) -> Row[Any] | None:
    """The rep's zone, name and first Home opening with their workspace's stored cadence
    rules (None before the workspace has a row) and whether it has a CRM connected: every
    command needs the first and logging needs them all, in one round trip."""
    # Columns only: on the connection, sparing the ORM's per-statement work.
    found = session.connection().execute(_REP_AND_RULES, {"team_id": team_id, "user_id": user_id})
    return found.one_or_none()


def ensure_rep(
    session: Session, team_id: str, user_id: str, tz: str, name: str, now: datetime
) -> RepRow:
    """The rep's row, inserted on first use; a concurrent first request wins harmlessly."""
    found = rep_row(session, team_id, user_id)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = RepRow(team_id=team_id, user_id=user_id, tz=tz, name=name, created_at=now)
            session.add(row)
    except IntegrityError:
        return rep_row(session, team_id, user_id)  # type: ignore[return-value]
    return row


def follow_slack_profile(
    session: Session, team_id: str, user_id: str, tz: str | None, name: str
) -> None:
    """A known rep's new zone and name from Slack; someone who is not a rep here is not stored."""
    row = rep_row(session, team_id, user_id)
    if row is None:
        return
    if tz is not None and tz != row.tz:
        row.tz = tz
        standing.forget_rep(session, team_id, user_id)
    if name:
        row.name = name


def note_home_opened(
    session: Session, team_id: str, user_id: str, tz: str, name: str, now: datetime
) -> None:
    """The first opening only: from then on the rep has a Home to keep fresh."""
    row = ensure_rep(session, team_id, user_id, tz, name, now)
    if row.home_opened_at is None:
        row.home_opened_at = now


NAMED = ProspectRow.name_key == bindparam("name_key")
NAMED_OR_DIALED = or_(
    NAMED, ProspectRow.phone == bindparam("phone"), ProspectRow.cell == bindparam("phone")
)
"""How a rep names a prospect: by name in any case (`name_key`), or by a phone typed with
it (`phone`); every lookup by name and phone matches with these."""
_BY_NAME, _BY_NAME_OR_PHONE = (
    select(ProspectRow)
    .where(
        ProspectRow.team_id == bindparam("team_id"),
        ProspectRow.owner_id == bindparam("owner_id"),
        match,
    )
    .order_by(ProspectRow.id)
    for match in (NAMED, NAMED_OR_DIALED)
)


def find_prospect(
    session: Session, team_id: str, owner_id: str, name: str, phone: str | None
) -> ProspectRow | None:
    """The rep's own prospect by name (any case) or by phone, preferring the name match."""
    key = name_key(name)
    rows = session.scalars(
        _BY_NAME_OR_PHONE if phone else _BY_NAME,
        {"team_id": team_id, "owner_id": owner_id, "name_key": key, "phone": phone},
    ).all()
    return named_first(rows, key, lambda row: row.name_key)


def named_first(candidates: Sequence[T], key: str, name_key: Callable[[T], str]) -> T | None:
    """Of the prospects a name or a phone matched, lowest id first, the first the name
    matched, else the first the phone did: the rule every lookup by name and phone follows."""
    by_name = next((found for found in candidates if name_key(found) == key), None)
    if by_name is not None:
        return by_name
    return candidates[0] if candidates else None


def prospect_row(session: Session, team_id: str, prospect_id: int) -> ProspectRow | None:
    return session.scalars(
        select(ProspectRow).where(ProspectRow.team_id == team_id, ProspectRow.id == prospect_id)
    ).one_or_none()


CALL_HISTORY_COLUMNS = (
    CallLogRow.id,
    CallLogRow.outcome,
    CallLogRow.at,
    CallLogRow.notes,
    CallLogRow.follow_up_at,
)
_CALL_HISTORY = (
    select(*CALL_HISTORY_COLUMNS)
    .where(
        CallLogRow.team_id == bindparam("team_id"),
        CallLogRow.prospect_id == bindparam("prospect_id"),
    )
    .order_by(CallLogRow.at, CallLogRow.id)
)
"""Built once: the columns a cadence needs, never the undo snapshot beside them."""


def call_history(session: Session, team_id: str, prospect_id: int) -> list[CallLog]:
    return [log for _, log in numbered_call_history(session, team_id, prospect_id)]


def numbered_call_history(
    session: Session, team_id: str, prospect_id: int
) -> list[tuple[int, CallLog]]:
    """The prospect's calls oldest first, each with its id: the order they were logged in."""
    rows = session.connection().execute(
        _CALL_HISTORY, {"team_id": team_id, "prospect_id": prospect_id}
    )
    return [(r.id, CallLog(Outcome(r.outcome), r.at, r.notes, r.follow_up_at)) for r in rows]


def own_prospect(
    session: Session, team_id: str, owner_id: str, prospect_id: int
) -> ProspectRow | None:
    """The prospect only if this rep owns it in this workspace: ids from Slack are never trusted."""
    return session.scalars(
        select(ProspectRow).where(
            ProspectRow.team_id == team_id,
            ProspectRow.owner_id == owner_id,
            ProspectRow.id == prospect_id,
        )
    ).one_or_none()


def prospects_matching(
    session: Session, team_id: str, owner_id: str, typed: str, limit: int
) -> list[ProspectRow]:
    """The rep's own prospects whose name contains `typed` (any case), names starting with
    it first, for a type-ahead that shows the likeliest pick on top."""
    key = name_key(typed)
    rows = session.scalars(
        select(ProspectRow)
        .where(
            ProspectRow.team_id == team_id,
            ProspectRow.owner_id == owner_id,
            ProspectRow.name_key.contains(key, autoescape=True),
        )
        .order_by(ProspectRow.name_key, ProspectRow.id)
        .limit(limit * 4)
    ).all()
    return sorted(rows, key=lambda row: not row.name_key.startswith(key))[:limit]


def close_owed_return_calls(
    session: Session, team_id: str, prospect_id: int, returned_at: datetime
) -> list[int]:
    """Returns the ids it closed, so an Undo can reopen exactly those."""
    closed = session.execute(
        update(OwedReturnCallRow)
        .where(
            OwedReturnCallRow.team_id == team_id,
            OwedReturnCallRow.prospect_id == prospect_id,
            OwedReturnCallRow.returned_at.is_(None),
        )
        .values(returned_at=returned_at)
        .returning(OwedReturnCallRow.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(closed.scalars())


PROSPECT_COLUMNS = tuple(getattr(ProspectRow, field.name) for field in fields(Prospect))
"""What `to_prospect` reads (every Prospect field is the column of its name): selecting
just these spares loading whole rows for reads."""


def to_prospect(row: ProspectRow | Row[Any]) -> Prospect:
    return Prospect(
        id=row.id,
        name=row.name,
        company=row.company,
        phone=row.phone,
        cell=row.cell,
        email=row.email,
        tz=row.tz,
        deal_value=row.deal_value,
        referrer=row.referrer,
        connection_note=row.connection_note,
        status=ProspectStatus(row.status),
        snoozed_until=row.snoozed_until,
        follow_up_at=row.follow_up_at,
        hook=row.hook,
    )


def to_rep(row: RepRow) -> Rep:
    return Rep(
        user_id=row.user_id,
        tz=row.tz,
        name=row.name,
        company=row.company,
        phone=row.phone,
        cell=row.cell,
        email=row.email,
        benefit=row.benefit,
        desk_hours=read_desk_hours(row.desk_hours),
        partners=split_partners(row.partners),
        working_day=read_desk_hours(getattr(row, "working_day", None)),
    )


CLAIM = {
    dialect: dialect_insert(ProcessedEventRow)
    .values(
        event_id=bindparam("claim_event_id"),
        team_id=bindparam("claim_team_id"),
        received_at=bindparam("claim_received_at"),
    )
    .on_conflict_do_nothing()
    .returning(ProcessedEventRow.event_id)
    for dialect, dialect_insert in DIALECT_INSERTS.items()
}
"""A delivery's claim, by dialect; its parameters are `claim_params`'. /logcall makes it in
the statement that logs the call (storage.logbook)."""


def claim_params(team_id: str, event_id: str, now: datetime) -> dict[str, object]:
    return {"claim_event_id": event_id, "claim_team_id": team_id, "claim_received_at": now}


def claim_event(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """True for the first delivery of an event; Slack's retries of it get False.

    One INSERT … ON CONFLICT DO NOTHING, built once per dialect: every command and click
    makes this claim, so it costs one statement rather than a savepoint around an insert
    that may fail."""
    connection = session.connection()
    claimed = connection.scalar(
        CLAIM[connection.dialect.name], claim_params(team_id, event_id, now)
    )
    return claimed is not None


def delete_oldest(
    session: Session, key: InstrumentedAttribute[Any], oldest_first: Any, limit: int, *where: Any
) -> int:
    """Delete at most `limit` rows matching `where`, oldest first, in one statement: a
    bounded prune a minute keeps a table at its retention, whatever the backlog."""
    oldest = select(key).where(*where).order_by(oldest_first).limit(limit)
    deleted = session.execute(
        delete(key.class_)
        .where(key.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


def forget_processed_events(session: Session, before: datetime) -> int:
    """Drop claims older than `before`. Slack retries an event for minutes and a signature is
    refused after five, so a day's rows are all a replay could ever meet."""
    deleted = session.execute(
        delete(ProcessedEventRow).where(ProcessedEventRow.received_at < before)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
