"""Writing a logged call: the prospect it is about, the call itself and what it owes.

Every call keeps a snapshot of what it changed, so a rep who logged the wrong outcome or the
wrong prospect can take it back within minutes and find everything exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.grammar.logcall import LogCallRequest
from bot.insights.standing import standing_of
from bot.rules.cadence import CadenceRules
from bot.rules.calls import (
    CLOSING_OUTCOMES,
    OUTBOUND_DIALS,
    CallLog,
    Outcome,
    Prospect,
    ProspectStatus,
)
from bot.rules.phones import timezone_for_phone
from storage import crm as crm_store
from storage import phone as phone_store
from storage import privacy, queries
from storage import scripts as script_store
from storage import standing as standing_store
from storage.db import DIALECT_INSERTS
from storage.models import (
    NOT_KNOWN,
    CallLogRow,
    CrmOutboxRow,
    OwedReturnCallRow,
    ProspectRow,
    RepRow,
    Workspace,
)

UNDO_WINDOW = timedelta(minutes=10)
"""Long enough to notice a slip right after logging; after that the log is history that the
cadence, the digest and the week's numbers have already relied on."""

# Every prospect field a logged call can change, and so what Undo puts back.
_SNAPSHOT_FIELDS = (
    "phone",
    "cell",
    "email",
    "company",
    "referrer",
    "deal_value",
    "tz",
    "tz_inferred",
    "status",
)
_SNAPSHOT_MOMENTS = ("follow_up_at",)


class NotYourProspect(LookupError):
    """The prospect id given is not the rep's own in this workspace; nothing was written."""


class Replayed(Exception):
    """The delivery's replay key was claimed already: a copy of a call logged before.
    Raised inside the transaction, so everything this delivery wrote is rolled back."""


class UndoRefused(Exception):
    """Why a call cannot be undone, in words for the rep; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class UndoneCall:
    prospect_id: int
    prospect_name: str
    outcome: Outcome
    prospect_removed: bool


@dataclass(frozen=True)
class RecordedCall:
    """What a phone system knew about a call logged from its event: how long it lasted,
    its recording, and the event it came from (marked logged with the call)."""

    duration_seconds: int
    recording_url: str | None
    phone_event_id: int


@dataclass(frozen=True)
class LoggedCall:
    call_id: int
    prospect: Prospect
    prospect_created: bool
    tz_inferred: bool
    history: list[CallLog]
    rules: CadenceRules
    promised: bool = False
    """The prospect's follow-up is the time the voicemail just left promised."""


def _bound(model: type, prefix: str, keys: tuple[str, ...]) -> dict[str, BindParameter[Any]]:
    """Values for `keys` as parameters named `prefix` + key, each of its column's type: the
    statements of one write share one parameter dict, which their names keep apart."""
    columns = model.__table__.c  # type: ignore[attr-defined]
    return {key: bindparam(prefix + key, type_=columns[key].type) for key in keys}


_CALL_KEYS = (
    "team_id",
    "prospect_id",
    "rep_user_id",
    "at",
    "outcome",
    "notes",
    "follow_up_at",
    "undo_snapshot",
    "duration_seconds",
    "recording_url",
)
_PUSH_KEYS = (*crm_store.push_row("", "", datetime.min), "call_id")
"""The outbox row's columns, as `crm_store.push_row` names them, and the call's id."""
_INSERT_CALL = (
    insert(CallLogRow).values(_bound(CallLogRow, "call_", _CALL_KEYS)).returning(CallLogRow.id)
)
"""Built once; a Core insert, since nothing reads the new row back but its id."""
_QUEUE_PUSH = insert(CrmOutboxRow).values(_bound(CrmOutboxRow, "push_", _PUSH_KEYS))
_PROSPECT_FIELDS = (*queries.PROSPECT_COLUMNS, ProspectRow.tz_inferred, ProspectRow.name_key)
_PROSPECT_BY_ID = select(*_PROSPECT_FIELDS).where(
    ProspectRow.team_id == bindparam("team_id"),
    ProspectRow.owner_id == bindparam("owner_id"),
    ProspectRow.id == bindparam("prospect_id"),
)
_PROSPECT_BY_NAME, _PROSPECT_BY_NAME_OR_PHONE = (
    select(*_PROSPECT_FIELDS)
    .where(
        ProspectRow.team_id == bindparam("team_id"),
        ProspectRow.owner_id == bindparam("owner_id"),
        match,
    )
    .order_by(ProspectRow.id)
    for match in (queries.NAMED, queries.NAMED_OR_DIALED)
)
_PROSPECT_KEYS = tuple(column.key for column in _PROSPECT_FIELDS)


_REP_COLUMNS = tuple(
    {
        column.key: column for column in (*queries.REP_AND_RULES_COLUMNS, *script_store.PROFILE)
    }.values()
)
"""The rep as `queries.rep_and_rules` reads them, and their profile (`queries.to_rep`)."""


def _rep_and_prospect(match: ColumnElement[bool], voicemail: bool) -> Select[Any]:
    """The rep, their profile and their workspace's rules, whether the call's details are
    suppressed, each prospect of theirs that `match` picks (for a voicemail, with the time
    its latest draft promised), and each of that prospect's calls oldest first: one row per
    call (one with no prospect or no call when there is none), so a call is logged after
    one round trip of reading."""
    promised = script_store.latest_promise(ProspectRow.id) if voicemail else null()
    return (
        select(
            *_REP_COLUMNS,
            privacy.SUPPRESSED,
            *(column.label(f"p_{column.key}") for column in _PROSPECT_FIELDS),
            promised.label("p_promised_at"),
            *(column.label(f"call_{column.key}") for column in queries.CALL_HISTORY_COLUMNS),
        )
        .select_from(RepRow)
        .outerjoin(Workspace, Workspace.team_id == RepRow.team_id)
        .outerjoin(
            ProspectRow,
            and_(
                ProspectRow.team_id == RepRow.team_id,
                ProspectRow.owner_id == RepRow.user_id,
                match,
            ),
        )
        .outerjoin(
            CallLogRow,
            and_(
                CallLogRow.team_id == ProspectRow.team_id, CallLogRow.prospect_id == ProspectRow.id
            ),
        )
        .where(RepRow.team_id == bindparam("team_id"), RepRow.user_id == bindparam("user_id"))
        .order_by(ProspectRow.id, CallLogRow.at, CallLogRow.id)
    )


_REP_AND_PROSPECT = {
    (by_phone, voicemail): _rep_and_prospect(
        queries.NAMED_OR_DIALED if by_phone else queries.NAMED, voicemail
    )
    for by_phone in (False, True)
    for voicemail in (False, True)
}
"""By name, or by name or phone; for a voicemail, with the promise it may keep."""


_INSERT_PROSPECT = {
    dialect: dialect_insert(ProspectRow).on_conflict_do_nothing().returning(ProspectRow.id)
    for dialect, dialect_insert in DIALECT_INSERTS.items()
}
"""A concurrent first call for the same name inserts nothing and adopts the other's row."""
_CHANGEABLE = (*_SNAPSHOT_FIELDS, *_SNAPSHOT_MOMENTS)
"""What a logged call may change on its prospect; the UPDATE sets them all, so it is one
statement, compiled once."""
_STANDING = standing_store.STANDING_COLUMNS
"""Where the prospect stands after the call (`storage.standing`), stored by the same
statement that writes the prospect."""
_UPDATE_PROSPECT = (
    update(ProspectRow)
    .where(ProspectRow.team_id == bindparam("p_team_id"), ProspectRow.id == bindparam("p_id"))
    .values(
        {name: bindparam(f"new_{name}") for name in (*_CHANGEABLE, *_STANDING)}
        | {"standing_version": standing_store.BUMPED}
    )
)


@dataclass(frozen=True)
class ProspectLookup:
    """The prospect a call is for, as found by name (or phone) before logging: its fields
    (None for a name not seen yet), its calls oldest first, each with its id, and for a
    voicemail the time its latest draft promised (`scripts.latest_promise`)."""

    fields: dict[str, Any] | None
    numbered: list[tuple[int, CallLog]]
    promised_at: datetime | None = None


@dataclass(frozen=True)
class FirstRead:
    """What one-line /logcall's one read found: the rep (None for a first-time rep) with
    the columns `queries.REP_AND_RULES_COLUMNS` and `scripts.PROFILE` name, whether the
    call's phone, cell or email is suppressed, and the prospect."""

    rep: Row[Any] | None
    suppressed: bool
    prospect: ProspectLookup


def rep_and_prospect(
    session: Session,
    team_id: str,
    user_id: str,
    request: LogCallRequest,
    suppression_key: bytes,
    now: datetime,
) -> FirstRead:
    """The rep, the suppression check and the prospect `log_call` would pick, with its
    calls, in one statement."""
    key = queries.name_key(request.prospect_name)
    voicemail = request.outcome is Outcome.VOICEMAIL
    rows = (
        session.connection()
        .execute(
            _REP_AND_PROSPECT[request.phone is not None, voicemail],
            {"team_id": team_id, "user_id": user_id, "name_key": key, "phone": request.phone}
            | privacy.suppressed_params(
                suppression_key, team_id, request.phone, request.cell, request.email
            )
            | script_store.promise_params(now),
        )
        .all()
    )
    if not rows:
        return FirstRead(None, False, ProspectLookup(None, []))
    rep = rows[0]
    candidates: dict[int, list[Row[Any]]] = {}
    for row in rows:
        if row.p_id is not None:
            candidates.setdefault(row.p_id, []).append(row)
    # Lowest id first, as the rows come.
    chosen = queries.named_first(list(candidates.values()), key, lambda rows: rows[0].p_name_key)
    if chosen is None:
        return FirstRead(rep, bool(rep.suppressed), ProspectLookup(None, []))
    fields = {name: chosen[0]._mapping[f"p_{name}"] for name in _PROSPECT_KEYS}
    numbered = [
        (
            row.call_id,
            CallLog(Outcome(row.call_outcome), row.call_at, row.call_notes, row.call_follow_up_at),
        )
        for row in chosen
        if row.call_id is not None
    ]
    lookup = ProspectLookup(fields, numbered, chosen[0].p_promised_at)
    return FirstRead(rep, bool(rep.suppressed), lookup)


def log_call(
    session: Session,
    team_id: str,
    rep_user_id: str,
    request: LogCallRequest,
    follow_up_at: datetime | None,
    now: datetime,
    *,
    prospect_id: int | None = None,
    rules: CadenceRules | None = None,
    called_at: datetime | None = None,
    response_url: str | None = None,
    push_to_crm: bool = True,
    looked_up: ProspectLookup | None = None,
    recorded: RecordedCall | None = None,
    once_key: str | None = None,
    rep_tz: ZoneInfo | None = None,
) -> LoggedCall:
    """Log against the prospect picked by id (a form's picker) or matched by name and phone.

    `called_at` is when the call happened, for a call logged after the fact (`now` when
    None); Undo still counts its minutes from `now`, when it was logged. A voicemail with
    no follow-up of its own keeps the time its latest draft promised
    (`scripts.promised_time`): that becomes the prospect's follow-up.

    `rules` are the workspace's cadence when the caller has read them already; without them
    the workspace row is read (and made, for a first call).
    With `push_to_crm` the call's push to the CRM is queued in the same transaction;
    `response_url` is where the rep hears once it is there. Raises NotYourProspect when
    `prospect_id` is not the rep's own in this workspace. `looked_up` is the prospect as
    `rep_and_prospect` found it in this transaction, sparing its reads here. `recorded` is
    what the phone system said about the call, when it came from one. `once_key` is the
    delivery's replay key, claimed with the call: Replayed when it was claimed before.
    `rep_tz` is the rep's clock, which the prospect's stored standing is reckoned on (not
    known without it).

    Every statement is Core, on the session's connection, and built once: this runs for
    every call a rep logs, and the ORM's unit of work cost more than the SQL it wrote.
    """
    if rules is None:
        rules = CadenceRules.from_mapping(queries.workspace(session, team_id, now).cadence_rules)
    connection = session.connection()
    numbered: list[tuple[int, CallLog]] | None = None
    promise_read, promised = False, None
    if prospect_id is not None:
        fields = _own_prospect(connection, team_id, rep_user_id, prospect_id)
        if fields is None:
            raise NotYourProspect(prospect_id)
    elif looked_up is not None:
        fields, numbered = looked_up.fields, looked_up.numbered
        promise_read, promised = fields is not None, looked_up.promised_at
    else:
        fields = _find_prospect(
            connection, team_id, rep_user_id, request.prospect_name, request.phone
        )
    at = called_at or now
    logged = CallLog(outcome=request.outcome, at=at, notes=request.notes, follow_up_at=follow_up_at)
    created = False
    if fields is None:
        fields, created = _new_prospect(
            connection,
            team_id,
            rep_user_id,
            request,
            follow_up_at,
            now,
            lambda new: standing_after(new, [logged], now, rep_tz, rules),
        )
    before = None if created else _snapshot(fields)
    if created:
        numbered = []  # no earlier calls and nothing owed: no reads for them
    elif numbered is None:
        numbered = queries.numbered_call_history(session, team_id, fields["id"])
    history = [log for _, log in numbered]
    if not created:
        # A call logged after the fact that is older than the latest one is history: it
        # fills in details but does not undo the plan or status the later call set.
        latest = not history or at >= history[-1].at
        _apply_call(fields, request, follow_up_at, plan=latest)
        if request.outcome is Outcome.VOICEMAIL and follow_up_at is None:
            if not promise_read:
                promised = script_store.promised_time(
                    session, team_id, rep_user_id, fields["id"], now
                )
            promised = script_store.still_ahead(promised, now)
            if promised is not None:
                fields["follow_up_at"] = promised
    closed: list[int] = []
    if request.outcome in OUTBOUND_DIALS and _may_owe_a_return_call(numbered):
        closed = queries.close_owed_return_calls(session, team_id, fields["id"], now)
    snapshot: dict[str, object] = {"created": created, "prospect": before, "closed_owed": closed}
    if at != now:
        snapshot["logged_at"] = now.isoformat()
    call = {
        "team_id": team_id,
        "prospect_id": fields["id"],
        "rep_user_id": rep_user_id,
        "at": at,
        "outcome": request.outcome.value,
        "notes": request.notes,
        "follow_up_at": follow_up_at,
        "undo_snapshot": snapshot,
        "duration_seconds": recorded.duration_seconds if recorded else None,
        "recording_url": recorded.recording_url if recorded else None,
    }
    # Every call moves where the prospect stands, so a known prospect is always updated.
    changed = not created
    params = {f"call_{name}": value for name, value in call.items()}
    if once_key is not None:
        params |= queries.claim_params(team_id, once_key, now)
    if changed:
        standing = standing_after(fields, [*history, logged], now, rep_tz, rules)
        params |= prospect_update(team_id, fields, standing)
    if push_to_crm:
        push = crm_store.push_row(team_id, rep_user_id, now, response_url)
        params |= {f"push_{name}": value for name, value in push.items()}
    call_id = _write(
        connection, params, claim=once_key is not None, update=changed, push=push_to_crm
    )
    if recorded is not None:
        phone_store.mark_logged(session, recorded.phone_event_id, call_id)
    if request.outcome is Outcome.INBOUND:
        connection.execute(
            insert(OwedReturnCallRow).values(
                team_id=team_id,
                rep_user_id=rep_user_id,
                prospect_id=fields["id"],
                inbound_call_id=call_id,
                due_at=at + rules.return_call_within,
            )
        )
    history.append(logged)
    return LoggedCall(
        call_id=call_id,
        prospect=queries.to_prospect(SimpleNamespace(**fields)),
        prospect_created=created,
        tz_inferred=bool(fields["tz_inferred"]),
        history=sorted(history, key=lambda logged: logged.at),
        rules=rules,
        promised=promised is not None,
    )


def prospect_update(
    team_id: str, fields: Mapping[str, Any], standing: Mapping[str, object]
) -> dict[str, object]:
    """The one place the values a logged call sets on its prospect are built: the
    parameters of _UPDATE_PROSPECT, from the prospect's fields as the call left them and
    its `standing_after` the call."""
    return (
        {"p_team_id": team_id, "p_id": fields["id"]}
        | {f"new_{name}": fields[name] for name in _CHANGEABLE}
        | {f"new_{name}": value for name, value in standing.items()}
    )


def standing_after(
    fields: Mapping[str, Any],
    history: list[CallLog],
    now: datetime,
    rep_tz: ZoneInfo | None,
    rules: CadenceRules,
) -> dict[str, object]:
    """The prospect's standing columns once the call is in `history` (every call): worked
    out here, in the call's own transaction, so the digest need not. Without the rep's
    zone (a caller that does not know it) it is left not known, for the digest to work out."""
    if rep_tz is None:
        return dict.fromkeys(_STANDING) | {"due_at": NOT_KNOWN}
    prospect = queries.to_prospect(SimpleNamespace(**fields))
    return standing_store.stored(standing_of(prospect, history, now, rep_tz, rules))


def _write(
    connection: Connection, params: dict[str, object], *, claim: bool, update: bool, push: bool
) -> int:
    """The call's writes, from one parameter dict: the claim of its replay key, the prospect's
    update, the call and its CRM push, each when asked for. PostgreSQL runs them as one
    statement (data-modifying CTEs: one round trip); SQLite, which has none, one by one.
    Raises Replayed, for the transaction to roll back, when the key was claimed already."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(_one_write(claim, update, push), params).one()
        if claim and not row.claimed:
            raise Replayed
        return int(row.id)
    if claim and connection.scalar(queries.CLAIM["sqlite"], params) is None:
        raise Replayed
    if update:
        connection.execute(_UPDATE_PROSPECT, params)
    call_id = connection.scalar(_INSERT_CALL, params)
    assert call_id is not None
    if push:
        connection.execute(_QUEUE_PUSH, params | {"push_call_id": call_id})
    return call_id


@cache
def _one_write(claim: bool, update: bool, push: bool) -> Select[Any]:
    """`_write`'s statements as one PostgreSQL statement, built once for each combination.
    Every part runs whatever the claim found (a replay is rolled back); the call's id and
    whether the key was claimed come back."""
    call = _INSERT_CALL.cte("call")
    parts: list[CTE] = []
    if update:
        parts.append(_UPDATE_PROSPECT.cte("prospect"))
    if push:
        values = _bound(CrmOutboxRow, "push_", _PUSH_KEYS) | {"call_id": call.c.id}
        pushed = select(*(values[key] for key in _PUSH_KEYS))
        parts.append(insert(CrmOutboxRow).from_select(list(_PUSH_KEYS), pushed).cte("push"))
    claimed = literal(True)
    if claim:
        claims = queries.CLAIM["postgresql"].cte("claim")
        claimed = select(func.count()).select_from(claims).scalar_subquery() > 0
    return select(call.c.id, claimed.label("claimed")).add_cte(*parts)


def _may_owe_a_return_call(numbered: list[tuple[int, CallLog]]) -> bool:
    """Whether an inbound call was logged after every dial: only then can a return call be
    owed (each inbound call owes one, and any later dial returns it), so only then is the
    owed-calls table worth an UPDATE."""
    last_dial = max((id_ for id_, log in numbered if log.outcome in OUTBOUND_DIALS), default=0)
    return any(id_ > last_dial and log.outcome is Outcome.INBOUND for id_, log in numbered)


def _own_prospect(
    connection: Connection, team_id: str, owner_id: str, prospect_id: int
) -> dict[str, Any] | None:
    found = connection.execute(
        _PROSPECT_BY_ID, {"team_id": team_id, "owner_id": owner_id, "prospect_id": prospect_id}
    ).one_or_none()
    return found._asdict() if found is not None else None


def _find_prospect(
    connection: Connection, team_id: str, owner_id: str, name: str, phone: str | None
) -> dict[str, Any] | None:
    """The rep's own prospect by name (any case) or by phone, preferring the name match."""
    key = queries.name_key(name)
    rows = connection.execute(
        _PROSPECT_BY_NAME_OR_PHONE if phone else _PROSPECT_BY_NAME,
        {"team_id": team_id, "owner_id": owner_id, "name_key": key, "phone": phone},
    ).all()
    found = queries.named_first(rows, key, lambda row: row.name_key)
    return found._asdict() if found is not None else None


def _new_prospect(
    connection: Connection,
    team_id: str,
    owner_id: str,
    request: LogCallRequest,
    follow_up_at: datetime | None,
    now: datetime,
    standing: Callable[[Mapping[str, Any]], dict[str, object]],
) -> tuple[dict[str, Any], bool]:
    """Two calls logged at once for a new name make one prospect: the second adopts it, as
    it was, for the caller to update. `standing` gives the new prospect's standing columns
    from its fields.

    Returns the prospect's fields and whether this call created it.
    """
    fields: dict[str, Any] = dict.fromkeys(_PROSPECT_KEYS) | {
        "name": request.prospect_name,
        "name_key": queries.name_key(request.prospect_name),
        "status": ProspectStatus.ACTIVE.value,
        "tz_inferred": False,
    }
    _apply_call(fields, request, follow_up_at)
    row = {name: value for name, value in fields.items() if name != "id"}
    inserted = connection.scalar(
        _INSERT_PROSPECT[connection.dialect.name],
        row | {"team_id": team_id, "owner_id": owner_id, "created_at": now} | standing(fields),
    )
    if inserted is None:
        found = _find_prospect(connection, team_id, owner_id, request.prospect_name, None)
        if found is None:
            raise LookupError(f"prospect {request.prospect_name!r} neither inserted nor found")
        return found, False
    return fields | {"id": inserted}, True


def _apply_call(
    fields: dict[str, Any],
    request: LogCallRequest,
    follow_up_at: datetime | None,
    *,
    plan: bool = True,
) -> None:
    """What a logged call changes on its prospect: options given on the line (a phone's zone
    fills a missing tz), and, when `plan`, the follow-up and the status."""
    for field in ("phone", "cell", "email", "company", "referrer"):
        value = getattr(request, field)
        if value is not None:
            fields[field] = value
    if request.deal_value is not None:
        fields["deal_value"] = request.deal_value
    if request.tz is not None:
        fields["tz"], fields["tz_inferred"] = request.tz, False
    elif (fields["tz"] is None or fields["tz_inferred"]) and (fields["phone"] or fields["cell"]):
        inferred = timezone_for_phone(fields["phone"] or fields["cell"] or "")
        fields["tz"], fields["tz_inferred"] = inferred, inferred is not None
    if not plan:
        return
    fields["follow_up_at"] = follow_up_at
    if request.outcome in CLOSING_OUTCOMES:
        fields["status"] = CLOSING_OUTCOMES[request.outcome].value
    elif request.outcome is Outcome.WRONG:
        fields["status"] = ProspectStatus.WRONG_NUMBER.value
    elif request.phone and fields["status"] == ProspectStatus.WRONG_NUMBER:
        fields["status"] = ProspectStatus.ACTIVE.value


def undo_call(
    session: Session, team_id: str, rep_user_id: str, call_id: int, now: datetime
) -> UndoneCall:
    """Take back the rep's own call logged less than UNDO_WINDOW ago, restoring the prospect.

    Only the prospect's latest call can be undone: an earlier one's snapshot no longer
    describes the prospect. A call that created the prospect removes it. Raises UndoRefused.
    """
    call = session.scalars(
        select(CallLogRow)
        .where(
            CallLogRow.team_id == team_id,
            CallLogRow.rep_user_id == rep_user_id,
            CallLogRow.id == call_id,
        )
        .with_for_update()
    ).one_or_none()
    if call is None:
        raise UndoRefused(
            "There's no call of yours to undo there: it may be undone already. Nothing was changed."
        )
    snapshot = call.undo_snapshot
    logged = snapshot.get("logged_at") if snapshot else None
    logged_at = datetime.fromisoformat(logged) if isinstance(logged, str) else call.at
    if now - logged_at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise UndoRefused(
            f"Undo works for {minutes} minutes after logging, and this call is older."
            " Log a new call with the right outcome instead; nothing was changed."
        )
    prospect = queries.own_prospect(session, team_id, rep_user_id, call.prospect_id)
    if snapshot is None or prospect is None:
        raise UndoRefused("This call was logged before Undo existed; nothing was changed.")
    later = session.scalar(
        select(func.count())
        .select_from(CallLogRow)
        .where(
            CallLogRow.team_id == team_id,
            CallLogRow.prospect_id == call.prospect_id,
            CallLogRow.id > call.id,
        )
    )
    if later:
        raise UndoRefused(
            f"A later call to {prospect.name} is logged: undo that one first. Nothing was changed."
        )
    created = bool(snapshot["created"])
    undone = UndoneCall(prospect.id, prospect.name, Outcome(call.outcome), created)
    closed = [int(owed_id) for owed_id in snapshot["closed_owed"]]  # type: ignore[union-attr]
    if closed:
        session.execute(
            update(OwedReturnCallRow)
            .where(OwedReturnCallRow.team_id == team_id, OwedReturnCallRow.id.in_(closed))
            .values(returned_at=None)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        delete(OwedReturnCallRow).where(
            OwedReturnCallRow.team_id == team_id, OwedReturnCallRow.inbound_call_id == call.id
        )
    )
    crm_store.withdraw_push(session, call, now)
    session.delete(call)
    if undone.prospect_removed:
        session.delete(prospect)
    else:
        _restore(prospect, snapshot["prospect"])  # type: ignore[arg-type]
        standing_store.forget_row(prospect)
    session.flush()
    return undone


def set_follow_up(
    session: Session, team_id: str, owner_id: str, prospect_id: int, at: datetime | None
) -> ProspectRow | None:
    """What the confirmation's Set follow-up saves; None (nothing written) when the prospect
    is not this rep's in this workspace."""
    row = queries.own_prospect(session, team_id, owner_id, prospect_id)
    if row is not None:
        row.follow_up_at = at
        standing_store.forget_row(row)
        session.flush()
    return row


def _snapshot(fields: Mapping[str, Any]) -> dict[str, object]:
    """JSON-safe: moments as ISO text with their offset."""
    snapshot: dict[str, object] = {name: fields[name] for name in _SNAPSHOT_FIELDS}
    for name in _SNAPSHOT_MOMENTS:
        moment = fields[name]
        snapshot[name] = moment.isoformat() if moment is not None else None
    return snapshot


def _restore(row: ProspectRow, fields: dict[str, object]) -> None:
    for name in _SNAPSHOT_FIELDS:
        setattr(row, name, fields[name])
    for name in _SNAPSHOT_MOMENTS:
        moment = fields[name]
        setattr(row, name, datetime.fromisoformat(moment) if isinstance(moment, str) else None)
