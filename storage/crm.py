"""The CRM's side of the database: each workspace's connection, the call outbox and the
CRM ids that link prospects, calls and reps to their records there.

The outbox row for a call is written in the call's own transaction, so a call is never
logged without the push that will carry it, and a /logcall reply never waits on the CRM.
One worker at a time holds a workspace's lease and sends its rows in id order, which is
the order the calls were logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.rules.prospects import DuplicateIndex, KnownProspect, ProspectFields
from storage import queries
from storage import standing as standing_store
from storage.models import (
    CallLogRow,
    CrmConnectionRow,
    CrmOAuthStateRow,
    CrmOutboxRow,
    ProspectRow,
    RepRow,
)
from storage.prospects import known_prospect, prospect_columns


class OutboxAction(StrEnum):
    PUSH = "push"
    DELETE = "delete"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    """Undone before it was ever sent, or about a call deleted since: nothing to send."""
    FAILED = "failed"
    """The CRM refused this one record; `last_error` says why."""


@dataclass(frozen=True)
class PendingItem:
    id: int
    team_id: str
    rep_user_id: str
    action: OutboxAction
    call_id: int
    attempts: int
    next_attempt_at: datetime | None
    response_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class CallToPush:
    """A logged call and its prospect as they are when the push goes out."""

    call_id: int
    at: datetime
    outcome: str
    notes: str
    prospect_id: int
    prospect_name: str
    company: str | None
    phone: str | None
    cell: str | None
    email: str | None
    prospect_crm_id: str | None
    prospect_crm_object: str | None
    rep_owner_id: str | None
    rep_owner_checked_at: datetime | None
    rep_tz: str | None
    rep_number: str | None
    duration_seconds: int | None = None
    recording_url: str | None = None


@dataclass(frozen=True)
class WaitingCalls:
    """What a rep's App Home says about their calls on the way to the CRM."""

    waiting: int
    failed: int
    why: str | None


@dataclass(frozen=True)
class MergeReport:
    added: int = 0
    linked: int = 0
    updated: int = 0


# -- connections ---------------------------------------------------------------------------


def connection(session: Session, team_id: str) -> CrmConnectionRow | None:
    return session.get(CrmConnectionRow, team_id)


def is_connected(session: Session, team_id: str) -> bool:
    """Whether the workspace's calls have a CRM to go to, short of the environment's."""
    found = session.connection().scalar(
        select(CrmConnectionRow.team_id).where(CrmConnectionRow.team_id == team_id)
    )
    return found is not None


def save_connection(
    session: Session,
    team_id: str,
    kind: str,
    credentials: str | None,
    account_id: str,
    web_url: str,
    connected_by: str | None,
    now: datetime,
) -> None:
    """Connecting anew (another CRM or account) starts the pull from the beginning."""
    row = session.get(CrmConnectionRow, team_id)
    if row is None or row.kind != kind or row.account_id != account_id:
        session.execute(
            update(RepRow)
            .where(RepRow.team_id == team_id)
            .values(crm_owner_id=None, crm_owner_checked_at=None)
        )
        if row is not None:
            row.sync_cursor = row.last_sync_at = None
            row.dispositions = None
    # Calls held back by the old credentials go with the next tick.
    session.execute(
        update(CrmOutboxRow)
        .where(CrmOutboxRow.team_id == team_id, CrmOutboxRow.status == OutboxStatus.PENDING)
        .values(next_attempt_at=None)
    )
    if row is None:
        row = CrmConnectionRow(team_id=team_id)
        session.add(row)
    row.kind = kind
    row.credentials = credentials
    row.account_id = account_id
    row.web_url = web_url
    row.connected_by = connected_by
    row.connected_at = now
    row.last_sync_error = None
    row.last_push_error = None
    row.auth_alerted_at = None
    row.auth_refused_at = None
    session.flush()


def connected_teams(session: Session) -> list[str]:
    return list(
        session.scalars(select(CrmConnectionRow.team_id).order_by(CrmConnectionRow.team_id))
    )


def teams_with_pending(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(CrmOutboxRow.team_id)
            .where(CrmOutboxRow.status == OutboxStatus.PENDING)
            .group_by(CrmOutboxRow.team_id)
            .order_by(CrmOutboxRow.team_id)
        )
    )


def teams_with_reps(session: Session) -> list[str]:
    return list(
        session.scalars(select(RepRow.team_id).group_by(RepRow.team_id).order_by(RepRow.team_id))
    )


def discard_unconnected(session: Session) -> int:
    """Calls logged in a workspace with no CRM have nowhere to go."""
    connected = select(CrmConnectionRow.team_id)
    result = session.execute(
        delete(CrmOutboxRow).where(
            CrmOutboxRow.status == OutboxStatus.PENDING, CrmOutboxRow.team_id.not_in(connected)
        )
    )
    return result.rowcount or 0


def take_lease(
    session: Session, team_id: str, owner: str, now: datetime, length: timedelta
) -> bool:
    """One worker at a time sends a workspace's outbox and pulls its contacts."""
    result = session.execute(
        update(CrmConnectionRow)
        .where(
            CrmConnectionRow.team_id == team_id,
            or_(CrmConnectionRow.lease_until.is_(None), CrmConnectionRow.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + length)
    )
    return result.rowcount == 1


def release_lease(session: Session, team_id: str, owner: str) -> None:
    session.execute(
        update(CrmConnectionRow)
        .where(CrmConnectionRow.team_id == team_id, CrmConnectionRow.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def note_push_error(session: Session, team_id: str, why: str | None) -> None:
    """None: the CRM took a call, so it takes the credentials again too."""
    values: dict[str, object] = {"last_push_error": why[:300] if why else None}
    if why is None:
        values["auth_refused_at"] = None
    session.execute(
        update(CrmConnectionRow).where(CrmConnectionRow.team_id == team_id).values(**values)
    )


def note_auth_refused(session: Session, team_id: str, now: datetime) -> None:
    session.execute(
        update(CrmConnectionRow)
        .where(CrmConnectionRow.team_id == team_id)
        .values(auth_refused_at=now)
    )


def refused_lately(session: Session, since: datetime) -> set[str]:
    """Workspaces whose CRM refused the credentials after `since`."""
    return set(
        session.scalars(
            select(CrmConnectionRow.team_id).where(CrmConnectionRow.auth_refused_at > since)
        )
    )


def note_sync(
    session: Session,
    team_id: str,
    now: datetime,
    cursor: datetime | None,
    error: str | None,
    *,
    warning: str | None = None,
) -> None:
    """A pull that failed keeps its cursor, so the next one asks again from there; one that
    came in with part refused (`warning`) moves on, and says so where the error goes."""
    said = error or warning
    values: dict[str, object] = {"last_sync_error": said[:300] if said else None}
    if error is None:
        values["last_sync_at"] = now
        if cursor is not None:
            values["sync_cursor"] = cursor
    session.execute(
        update(CrmConnectionRow).where(CrmConnectionRow.team_id == team_id).values(**values)
    )


def save_credentials(session: Session, team_id: str, credentials: str) -> None:
    """Tokens renewed by a refresh, sealed; the connection is otherwise as it was."""
    session.execute(
        update(CrmConnectionRow)
        .where(CrmConnectionRow.team_id == team_id)
        .values(credentials=credentials)
    )


def claim_auth_alert(session: Session, team_id: str, now: datetime) -> str | None:
    """The admin who connected, the first time the CRM refuses the credentials since; None
    when they were told already (or nobody connected: the environment's CRM)."""
    result = session.execute(
        update(CrmConnectionRow)
        .where(
            CrmConnectionRow.team_id == team_id,
            CrmConnectionRow.auth_alerted_at.is_(None),
            CrmConnectionRow.connected_by.is_not(None),
        )
        .values(auth_alerted_at=now)
    )
    if result.rowcount != 1:
        return None
    return session.scalar(
        select(CrmConnectionRow.connected_by).where(CrmConnectionRow.team_id == team_id)
    )


def dispositions(session: Session, team_id: str) -> dict[str, str]:
    """Outcome -> the CRM's call outcome, as an admin mapped them; empty for the defaults."""
    text = session.scalar(
        select(CrmConnectionRow.dispositions).where(CrmConnectionRow.team_id == team_id)
    )
    try:
        mapped = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in mapped.items()} if isinstance(mapped, dict) else {}


def save_dispositions(session: Session, team_id: str, mapping: Mapping[str, str]) -> bool:
    """False when the workspace has no connection to map for."""
    result = session.execute(
        update(CrmConnectionRow)
        .where(CrmConnectionRow.team_id == team_id)
        .values(dispositions=json.dumps(dict(mapping), sort_keys=True))
    )
    return result.rowcount == 1


# -- OAuth states ----------------------------------------------------------------------------


def save_oauth_state(
    session: Session,
    state_hash: str,
    team_id: str,
    user_id: str,
    kind: str,
    code_verifier: str | None,
    expires_at: datetime,
    now: datetime,
) -> None:
    """Expired states are swept as new ones are made: the table stays a handful of rows."""
    session.execute(delete(CrmOAuthStateRow).where(CrmOAuthStateRow.expires_at < now))
    session.add(
        CrmOAuthStateRow(
            state_hash=state_hash,
            team_id=team_id,
            user_id=user_id,
            kind=kind,
            code_verifier=code_verifier,
            expires_at=expires_at,
        )
    )


@dataclass(frozen=True)
class OAuthState:
    team_id: str
    user_id: str
    kind: str
    code_verifier: str | None
    expires_at: datetime


def take_oauth_state(session: Session, state_hash: str) -> OAuthState | None:
    """The state, deleted in the same transaction: a second use finds nothing."""
    row = session.get(CrmOAuthStateRow, state_hash)
    if row is None:
        return None
    found = OAuthState(row.team_id, row.user_id, row.kind, row.code_verifier, row.expires_at)
    deleted = session.execute(
        delete(CrmOAuthStateRow).where(CrmOAuthStateRow.state_hash == state_hash)
    )
    return found if deleted.rowcount == 1 else None


# -- the outbox ----------------------------------------------------------------------------


def push_row(
    team_id: str, rep_user_id: str, now: datetime, response_url: str | None = None
) -> dict[str, object]:
    """The outbox row a logged call's push is, but for its `call_id`: written in the call's
    own transaction (on PostgreSQL in the statement that inserts the call, see
    storage.logbook) for the tick to send."""
    return {
        "team_id": team_id,
        "rep_user_id": rep_user_id,
        "action": OutboxAction.PUSH.value,
        "response_url": response_url,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
    }


def withdraw_push(session: Session, call: CallLogRow, now: datetime) -> None:
    """Undo, in the undo's transaction: a push never tried is cancelled; one that may have
    reached the CRM is followed by a delete, sent after it, in order."""
    cancelled = session.execute(
        update(CrmOutboxRow)
        .where(
            CrmOutboxRow.team_id == call.team_id,
            CrmOutboxRow.call_id == call.id,
            CrmOutboxRow.action == OutboxAction.PUSH,
            CrmOutboxRow.status == OutboxStatus.PENDING,
            CrmOutboxRow.attempts == 0,
        )
        .values(status=OutboxStatus.CANCELLED, last_error="undone before it was sent")
    )
    if cancelled.rowcount:
        return
    pushed = session.scalar(
        select(func.count())
        .select_from(CrmOutboxRow)
        .where(
            CrmOutboxRow.team_id == call.team_id,
            CrmOutboxRow.call_id == call.id,
            CrmOutboxRow.action == OutboxAction.PUSH,
            CrmOutboxRow.status.in_([OutboxStatus.PENDING, OutboxStatus.SENT]),
        )
    )
    if pushed:
        session.add(
            CrmOutboxRow(
                team_id=call.team_id,
                rep_user_id=call.rep_user_id,
                action=OutboxAction.DELETE,
                call_id=call.id,
                crm_id=call.crm_id,
                outcome=call.outcome,
                status=OutboxStatus.PENDING,
                attempts=0,
                created_at=now,
            )
        )


def pending_items(session: Session, team_id: str, limit: int) -> list[PendingItem]:
    rows = session.execute(
        select(
            CrmOutboxRow.id,
            CrmOutboxRow.team_id,
            CrmOutboxRow.rep_user_id,
            CrmOutboxRow.action,
            CrmOutboxRow.call_id,
            CrmOutboxRow.attempts,
            CrmOutboxRow.next_attempt_at,
            CrmOutboxRow.response_url,
            CrmOutboxRow.created_at,
        )
        .where(CrmOutboxRow.team_id == team_id, CrmOutboxRow.status == OutboxStatus.PENDING)
        .order_by(CrmOutboxRow.id)
        .limit(limit)
    ).all()
    return [
        PendingItem(id_, team, rep, OutboxAction(action), call_id, attempts, due, url, created)
        for id_, team, rep, action, call_id, attempts, due, url, created in rows
    ]


def begin_attempt(session: Session, item_id: int, seen_attempts: int) -> bool:
    """Counted before the request goes out, so an attempt that dies midway is known to have
    maybe reached the CRM (the next one looks up before creating) and Undo does not cancel
    a push that may be there. False when Undo cancelled it meanwhile, or another worker
    (one whose lease ran out under it) took this attempt first."""
    result = session.execute(
        update(CrmOutboxRow)
        .where(
            CrmOutboxRow.id == item_id,
            CrmOutboxRow.status == OutboxStatus.PENDING,
            CrmOutboxRow.attempts == seen_attempts,
        )
        .values(attempts=CrmOutboxRow.attempts + 1)
    )
    return result.rowcount == 1


def call_to_push(session: Session, team_id: str, call_id: int) -> CallToPush | None:
    found = session.execute(
        select(
            CallLogRow,
            ProspectRow,
            RepRow.crm_owner_id,
            RepRow.crm_owner_checked_at,
            RepRow.tz,
            RepRow.phone,
            RepRow.cell,
        )
        .join(ProspectRow, ProspectRow.id == CallLogRow.prospect_id)
        .outerjoin(
            RepRow,
            (RepRow.team_id == CallLogRow.team_id) & (RepRow.user_id == CallLogRow.rep_user_id),
        )
        .where(CallLogRow.team_id == team_id, CallLogRow.id == call_id)
    ).one_or_none()
    if found is None:
        return None
    call, prospect, owner_id, checked_at, rep_tz, rep_phone, rep_cell = found
    return CallToPush(
        call_id=call.id,
        at=call.at,
        outcome=call.outcome,
        notes=call.notes,
        prospect_id=prospect.id,
        prospect_name=prospect.name,
        company=prospect.company,
        phone=prospect.phone,
        cell=prospect.cell,
        email=prospect.email,
        prospect_crm_id=prospect.crm_id,
        prospect_crm_object=prospect.crm_object,
        rep_owner_id=owner_id,
        rep_owner_checked_at=checked_at,
        rep_tz=rep_tz,
        rep_number=rep_phone or rep_cell,
        duration_seconds=call.duration_seconds,
        recording_url=call.recording_url,
    )


@dataclass(frozen=True)
class PushState:
    """What became of a call's push, for its delete."""

    crm_id: str | None
    """The record a sent push created."""
    attempted: bool
    """Whether any attempt went out: a record may exist that nobody heard about."""
    outcome: str | None


def push_state(session: Session, team_id: str, call_id: int, delete_id: int) -> PushState:
    pushes = session.execute(
        select(CrmOutboxRow.status, CrmOutboxRow.crm_id, CrmOutboxRow.attempts).where(
            CrmOutboxRow.team_id == team_id,
            CrmOutboxRow.call_id == call_id,
            CrmOutboxRow.action == OutboxAction.PUSH,
        )
    ).all()
    sent = [crm_id for status, crm_id, _ in pushes if status == OutboxStatus.SENT and crm_id]
    outcome = session.scalar(select(CrmOutboxRow.outcome).where(CrmOutboxRow.id == delete_id))
    return PushState(
        crm_id=sent[-1] if sent else None,
        attempted=any(attempts for _, _, attempts in pushes),
        outcome=outcome,
    )


def link_prospect(
    session: Session, team_id: str, prospect_id: int, crm_id: str, crm_object: str
) -> None:
    session.execute(
        update(ProspectRow)
        .where(ProspectRow.team_id == team_id, ProspectRow.id == prospect_id)
        .values(crm_id=crm_id, crm_object=crm_object)
    )


def mark_sent(
    session: Session, item_id: int, team_id: str, call_id: int, crm_id: str | None, now: datetime
) -> None:
    session.execute(
        update(CrmOutboxRow)
        .where(CrmOutboxRow.id == item_id)
        .values(status=OutboxStatus.SENT, crm_id=crm_id, sent_at=now, last_error=None)
    )
    session.execute(
        update(CallLogRow)
        .where(CallLogRow.team_id == team_id, CallLogRow.id == call_id)
        .values(crm_id=crm_id)
    )


def mark_settled(session: Session, item_id: int, status: OutboxStatus, why: str) -> None:
    session.execute(
        update(CrmOutboxRow)
        .where(CrmOutboxRow.id == item_id)
        .values(status=status, last_error=why[:300])
    )


def mark_retry(session: Session, item_id: int, why: str, at: datetime) -> None:
    session.execute(
        update(CrmOutboxRow)
        .where(CrmOutboxRow.id == item_id)
        .values(next_attempt_at=at, last_error=why[:300])
    )


def waiting_calls(session: Session, team_id: str, rep_user_id: str) -> WaitingCalls:
    counts = dict(
        session.execute(
            select(CrmOutboxRow.status, func.count())
            .where(
                CrmOutboxRow.team_id == team_id,
                CrmOutboxRow.rep_user_id == rep_user_id,
                CrmOutboxRow.action == OutboxAction.PUSH,
                CrmOutboxRow.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]),
            )
            .group_by(CrmOutboxRow.status)
        ).all()
    )
    why = session.scalar(
        select(CrmOutboxRow.last_error)
        .where(
            CrmOutboxRow.team_id == team_id,
            CrmOutboxRow.rep_user_id == rep_user_id,
            CrmOutboxRow.status == OutboxStatus.PENDING,
            CrmOutboxRow.last_error.is_not(None),
        )
        .order_by(CrmOutboxRow.id)
        .limit(1)
    )
    return WaitingCalls(
        counts.get(OutboxStatus.PENDING, 0), counts.get(OutboxStatus.FAILED, 0), why
    )


# -- reps and pulled prospects ---------------------------------------------------------------


@dataclass(frozen=True)
class RepOwner:
    """A rep and their CRM user: known, or looked for at `checked_at` and not found."""

    user_id: str
    owner_id: str | None
    checked_at: datetime | None


def reps(session: Session, team_id: str) -> list[RepOwner]:
    """Every rep in the workspace with their CRM user."""
    return [
        RepOwner(user_id, owner, checked_at)
        for user_id, owner, checked_at in session.execute(
            select(RepRow.user_id, RepRow.crm_owner_id, RepRow.crm_owner_checked_at)
            .where(RepRow.team_id == team_id)
            .order_by(RepRow.user_id)
        ).all()
    ]


def set_crm_owner(
    session: Session, team_id: str, user_id: str, owner_id: str | None, now: datetime
) -> None:
    """The rep's CRM user, or (None) that the CRM had none for them at `now`."""
    session.execute(
        update(RepRow)
        .where(RepRow.team_id == team_id, RepRow.user_id == user_id)
        .values(crm_owner_id=owner_id, crm_owner_checked_at=None if owner_id else now)
    )


def merge_pulled(
    session: Session,
    team_id: str,
    owner_id: str,
    pulled: Sequence[tuple[str, str, ProspectFields]],
    now: datetime,
) -> MergeReport:
    """Contacts from the CRM into a rep's prospects: (crm_id, crm_object, fields) each.

    One already linked is refreshed with what the CRM says; one the rep already has by
    phone, email or name (the CSV import's rules) is linked, not doubled; the rest are added.
    The prospect's name stays as the rep knows it: names are how they type it in /logcall.
    """
    rows = session.scalars(
        select(ProspectRow).where(ProspectRow.team_id == team_id, ProspectRow.owner_id == owner_id)
    ).all()
    by_crm_id = {row.crm_id: row for row in rows if row.crm_id}
    by_id = {row.id: row for row in rows}
    index = DuplicateIndex(_known(row) for row in rows)
    added = linked = updated = 0
    for crm_id, crm_object, fields in pulled:
        row = by_crm_id.get(crm_id)
        if row is None:
            duplicate = index.find(known_prospect(fields))
            if duplicate is not None and duplicate.existing.id is not None:
                row = by_id[duplicate.existing.id]
                if row.crm_id and row.crm_id != crm_id:
                    continue
                row.crm_id, row.crm_object = crm_id, crm_object
                _fill(row, fields, overwrite=False)
                linked += 1
            else:
                row = _new_row(team_id, owner_id, crm_id, crm_object, fields, now)
                session.add(row)
                session.flush()
                by_id[row.id] = row
                index.add(_known(row))
                added += 1
            by_crm_id[crm_id] = row
            continue
        if _fill(row, fields, overwrite=True):
            updated += 1
    session.flush()
    return MergeReport(added, linked, updated)


def _known(row: ProspectRow) -> KnownProspect:
    return KnownProspect(row.id, row.name, row.name_key, row.phone, row.cell, row.email)


_PULLED_FIELDS = ("company", "phone", "cell", "email", "deal_value")


def _fill(row: ProspectRow, fields: ProspectFields, *, overwrite: bool) -> bool:
    """The CRM's values onto the prospect: all of them for a linked one (the CRM is the
    team's record), only the missing ones for a prospect just linked."""
    changed = False
    for name in _PULLED_FIELDS:
        value = getattr(fields, name)
        if value is None or getattr(row, name) == value:
            continue
        if overwrite or getattr(row, name) is None:
            setattr(row, name, value)
            changed = True
    if changed and (row.tz is None or row.tz_inferred):
        tz, inferred = fields.zone()
        if tz is not None:
            row.tz, row.tz_inferred = tz, inferred
    if changed:
        standing_store.forget_row(row)
    return changed


def _new_row(
    team_id: str,
    owner_id: str,
    crm_id: str,
    crm_object: str,
    fields: ProspectFields,
    now: datetime,
) -> ProspectRow:
    return ProspectRow(
        team_id=team_id,
        owner_id=owner_id,
        crm_id=crm_id,
        crm_object=crm_object,
        created_at=now,
        **prospect_columns(fields),
    )


def prospect_crm_ref(session: Session, team_id: str, prospect_id: int) -> tuple[str, str] | None:
    found = session.execute(
        select(ProspectRow.crm_id, ProspectRow.crm_object).where(
            ProspectRow.team_id == team_id, ProspectRow.id == prospect_id
        )
    ).one_or_none()
    if found is None or found[0] is None:
        return None
    return str(found[0]), str(found[1] or "contact")


def prune_outbox(session: Session, before: datetime, limit: int) -> int:
    """Forget up to `limit` sent and cancelled rows written before `before`, oldest first.
    Pending rows are never pruned (they are calls still to push), nor failed ones (a call
    the CRM refused, which the rep's Home still lists)."""
    return queries.delete_oldest(
        session,
        CrmOutboxRow.id,
        CrmOutboxRow.created_at,
        limit,
        CrmOutboxRow.status.in_([OutboxStatus.SENT, OutboxStatus.CANCELLED]),
        CrmOutboxRow.created_at < before,
    )


def outbox_counts(session: Session) -> dict[OutboxStatus, int]:
    """Rows waiting to be pushed and rows the CRM refused, in every workspace: what an
    operator watches. One grouped count over the status index."""
    watched = (OutboxStatus.PENDING, OutboxStatus.FAILED)
    counts = dict.fromkeys(watched, 0)
    for status, count in session.execute(
        select(CrmOutboxRow.status, func.count())
        .where(CrmOutboxRow.status.in_(watched))
        .group_by(CrmOutboxRow.status)
    ):
        counts[OutboxStatus(status)] = count
    return counts
