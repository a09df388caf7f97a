"""Digest storage: who may be due, what their digests need, and the claim that sends each once.

Reads are set-based: for a batch of reps, one query each for their workspaces' rules, their
prospects, those prospects' call logs and their owed return calls, so a tick costs in
proportion to the reps due, never to prospects or to the size of the database.

Exactly once rests on the deliveries table's unique key (team, rep, kind, local date): any
number of ticks on any number of hosts may try to claim a rep's day, and the database lets
one of them win. Claims are atomic single statements on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    false,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.insights.digest_plan import (
    PURSUED_STATUSES,
    DigestPlan,
    OwedCall,
    ProspectHistory,
    plan_digest,
)
from bot.insights.window_advice import WindowAdvisor
from bot.rules.cadence import CadenceRules
from bot.rules.call_summary import CallSummary
from bot.rules.calls import Rep
from bot.rules.schedule import DigestSchedule, ScheduleError
from storage import insights as insights_store
from storage import queries
from storage.call_summaries import summaries_of, summary_statement
from storage.db import insert_for
from storage.models import (
    CallLogRow,
    DeliveryRow,
    OwedReturnCallRow,
    ProspectRow,
    RepRow,
    Workspace,
)

logger = logging.getLogger(__name__)

DAILY = "daily"
WEEKLY = "weekly"
NO_CALLS = CallSummary()

MAX_ATTEMPTS = 5
"""Posts per rep and day before giving up: a persistent error should not retry all day."""

STALE_CLAIM = timedelta(minutes=10)
"""A claim this old whose post never started belongs to a tick that died: take it over."""


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    """A tick owns the day and is building the digest; nothing has gone to Slack yet."""
    POSTING = "posting"
    """The post is on its way. Left in this state by a tick that died, the outcome is
    unknown: taken over after STALE_CLAIM, and the DM is read before posting again."""
    SENT = "sent"
    EMPTY = "empty"
    """Nothing was due and the rep did not ask for empty digests: nothing was sent."""
    FAILED = "failed"
    """Slack refused or could not be reached before the message existed: retried later."""
    SKIPPED = "skipped"
    """The rep's Slack account is gone."""
    UNKNOWN = "unknown"
    """The post may or may not have landed (a timeout after sending, a 5xx, an answer that
    is not Slack's): retried only once the rep's DM shows it did not."""


@dataclass(frozen=True, order=True)
class DeliveryKey:
    team_id: str
    rep_user_id: str
    local_date: date


@dataclass(frozen=True)
class DigestRecipient:
    team_id: str
    rep: Rep
    schedule: DigestSchedule
    when_empty: bool


@dataclass(frozen=True)
class DigestInputs:
    """Everything `plan_digest` needs for one rep."""

    prospects: list[ProspectHistory]
    owed_calls: list[OwedCall]
    rules: CadenceRules


def digest_recipients(session: Session) -> list[DigestRecipient]:
    """Every rep with an unpaused digest, in every workspace this database serves.

    One row per rep, so reading them all each minute is cheap; whether each is due is
    decided on the rep's own clock in Python. A row with settings that no longer parse
    (a zone removed from tzdata) is logged and left out rather than stopping the others.
    """
    rows = session.execute(
        select(
            RepRow.team_id,
            RepRow.user_id,
            RepRow.tz,
            RepRow.name,
            RepRow.digest_time,
            RepRow.digest_days,
            RepRow.digest_when_empty,
        ).where(RepRow.digest_paused.is_(False))
    ).all()
    recipients = []
    for row in rows:
        try:
            schedule = DigestSchedule.from_settings(row.digest_time, row.digest_days, row.tz)
        except (ScheduleError, ZoneInfoNotFoundError, ValueError) as problem:
            logger.warning(
                "digest settings of %s/%s unusable: %s", row.team_id, row.user_id, problem
            )
            continue
        recipients.append(
            DigestRecipient(
                team_id=row.team_id,
                rep=Rep(user_id=row.user_id, tz=row.tz, name=row.name),
                schedule=schedule,
                when_empty=row.digest_when_empty,
            )
        )
    return recipients


def unavailable_deliveries(
    session: Session, keys: Collection[DeliveryKey], now: datetime, kind: str = DAILY
) -> set[DeliveryKey]:
    """Of `keys`, those no tick may claim now: done, given up on, or in another tick's hands.

    Only rows for the few local dates in play are read, so this grows with the reps
    delivered today, not with the table's history.
    """
    if not keys:
        return set()
    rows = session.execute(
        select(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date).where(
            DeliveryRow.kind == kind,
            DeliveryRow.local_date.in_({key.local_date for key in keys}),
            ~_claimable(now),
        )
    ).all()
    return {DeliveryKey(*row) for row in rows} & set(keys)


def started_elsewhere(
    session: Session, team_id: str, days: Collection[date], worker: str, kind: str = DAILY
) -> bool:
    """Whether another tick has claimed any of the workspace's days: one indexed look, so a
    tick reads a workspace's learned windows ahead only where it is likely to win days."""
    if not days:
        return False
    return (
        session.scalar(
            select(DeliveryRow.id)
            .where(
                DeliveryRow.team_id == team_id,
                DeliveryRow.kind == kind,
                DeliveryRow.local_date.in_(set(days)),
                DeliveryRow.claimed_by != worker,
            )
            .limit(1)
        )
        is not None
    )


def claim_deliveries(
    session: Session, keys: Iterable[DeliveryKey], worker: str, now: datetime, kind: str = DAILY
) -> list[DeliveryKey]:
    """Claim the reps' days for `worker`; returns the keys this call won.

    A day nobody has touched is claimed by inserting its row (a concurrent insert of the
    same key does nothing); a failed or abandoned day by a conditional update that only one
    claimant can satisfy. Keys are inserted in sorted order so concurrent claimants on
    PostgreSQL wait for each other in the same order and cannot deadlock.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return []
    inserted = session.execute(
        insert_for(session, DeliveryRow)
        .values(
            [
                {
                    "team_id": key.team_id,
                    "rep_user_id": key.rep_user_id,
                    "kind": kind,
                    "local_date": key.local_date,
                    "status": DeliveryStatus.CLAIMED,
                    "claimed_by": worker,
                    "claimed_at": now,
                    "attempts": 0,
                }
                for key in wanted
            ]
        )
        .on_conflict_do_nothing(index_elements=["team_id", "rep_user_id", "kind", "local_date"])
        .returning(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date)
    ).all()
    won = {DeliveryKey(*row) for row in inserted}
    others = [key for key in wanted if key not in won]
    if others:
        reclaimed = session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.kind == kind,
                tuple_(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date).in_(
                    [(key.team_id, key.rep_user_id, key.local_date) for key in others]
                ),
                _claimable(now),
            )
            .values(status=DeliveryStatus.CLAIMED, claimed_by=worker, claimed_at=now)
            .returning(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date)
            .execution_options(synchronize_session=False)
        ).all()
        won |= {DeliveryKey(*row) for row in reclaimed}
    return sorted(won)


def tried_before(
    session: Session, keys: Collection[DeliveryKey], kind: str = DAILY
) -> set[DeliveryKey]:
    """Of `keys`, the days an earlier post was attempted for: where it may have landed, the
    rep's DM is read before posting again."""
    if not keys:
        return set()
    rows = session.execute(
        select(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date).where(
            DeliveryRow.kind == kind, _in(keys), DeliveryRow.attempts > 0
        )
    ).all()
    return {DeliveryKey(*row) for row in rows}


def start_posting(
    session: Session, key: DeliveryKey, worker: str, now: datetime, kind: str = DAILY
) -> bool:
    """Move a claimed day to POSTING just before the post; False if the claim was lost."""
    return key in start_posting_many(session, [key], worker, now, kind)


def start_posting_many(
    session: Session, keys: Collection[DeliveryKey], worker: str, now: datetime, kind: str = DAILY
) -> set[DeliveryKey]:
    """Move claimed days to POSTING just before their posts; returns those still held.

    Committed before Slack is called, so a tick that dies mid-post leaves POSTING behind,
    which another tick takes over only after STALE_CLAIM, and only after reading the DM: a
    message that may have been posted is never blindly posted again.
    """
    if not keys:
        return set()
    rows = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.kind == kind,
            _in(keys),
            DeliveryRow.status == DeliveryStatus.CLAIMED,
            DeliveryRow.claimed_by == worker,
        )
        .values(status=DeliveryStatus.POSTING, attempts=DeliveryRow.attempts + 1, claimed_at=now)
        .returning(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date)
        .execution_options(synchronize_session=False)
    ).all()
    return {DeliveryKey(*row) for row in rows}


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one claimed day ended, for `record_outcomes`."""

    key: DeliveryKey
    status: DeliveryStatus
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


_RECORD = (
    update(DeliveryRow.__table__)  # type: ignore[arg-type]
    .where(
        DeliveryRow.__table__.c.team_id == bindparam("k_team"),
        DeliveryRow.__table__.c.rep_user_id == bindparam("k_rep"),
        DeliveryRow.__table__.c.kind == bindparam("k_kind"),
        DeliveryRow.__table__.c.local_date == bindparam("k_date"),
        DeliveryRow.__table__.c.claimed_by == bindparam("k_worker"),
    )
    .values(
        status=bindparam("status"),
        channel=bindparam("channel"),
        ts=bindparam("ts"),
        sent_at=bindparam("sent_at"),
        last_error=bindparam("last_error"),
    )
)


def record_outcomes(
    session: Session,
    outcomes: Collection[DeliveryOutcome],
    worker: str,
    now: datetime,
    kind: str = DAILY,
) -> None:
    """Many days' outcomes in one statement (executemany): a busy tick settles thousands.
    Only the worker that holds each day writes it; a sent day keeps Slack's channel and ts."""
    if not outcomes:
        return
    session.execute(
        _RECORD,
        [
            {
                "k_team": o.key.team_id,
                "k_rep": o.key.rep_user_id,
                "k_kind": kind,
                "k_date": o.key.local_date,
                "k_worker": worker,
                "status": o.status.value,
                "channel": o.channel,
                "ts": o.ts,
                "sent_at": now if o.status is DeliveryStatus.SENT else None,
                "last_error": o.error[:200] if o.error else None,
            }
            for o in outcomes
        ],
    )


def record_sent(
    session: Session,
    key: DeliveryKey,
    worker: str,
    channel: str,
    ts: str,
    now: datetime,
    kind: str = DAILY,
) -> None:
    """Keep Slack's channel and ts: the message can later be updated or threaded on."""
    _finish(
        session, key, worker, kind, status=DeliveryStatus.SENT, channel=channel, ts=ts, sent_at=now
    )


def record_outcome(
    session: Session,
    key: DeliveryKey,
    worker: str,
    status: DeliveryStatus,
    error: str | None = None,
    kind: str = DAILY,
) -> None:
    """EMPTY, FAILED, SKIPPED or UNKNOWN, with Slack's error code or the exception's name."""
    _finish(session, key, worker, kind, status=status, last_error=error[:200] if error else None)


def note_error(
    session: Session, key: DeliveryKey, worker: str, error: str, kind: str = DAILY
) -> None:
    """Keep what went wrong after the message was sent (its picture, say), status unchanged."""
    _finish(session, key, worker, kind, last_error=error[:200])


def delivery_row(
    session: Session, team_id: str, rep_user_id: str, local_date: date, kind: str = DAILY
) -> DeliveryRow | None:
    return session.scalars(
        select(DeliveryRow).where(*_is(DeliveryKey(team_id, rep_user_id, local_date), kind))
    ).one_or_none()


@dataclass(frozen=True)
class _InputQueries:
    """What `digest_inputs` runs, for the reps its clauses pick."""

    rules: Select[Any]
    prospects: Select[Any]
    summaries: Select[Any]
    owed: Select[Any]


Owned = Callable[[InstrumentedAttribute[str], InstrumentedAttribute[str]], ColumnElement[bool]]


def _input_queries(
    of_teams: Callable[[InstrumentedAttribute[str]], ColumnElement[bool]],
    owned: Owned,
    now: datetime | BindParameter[datetime],
) -> _InputQueries:
    """`of_teams` picks the reps' workspaces by a team column, `owned` their rows by a team
    and a user column."""
    callable_prospects = and_(
        owned(ProspectRow.team_id, ProspectRow.owner_id),
        ProspectRow.status.in_([status.value for status in PURSUED_STATUSES]),
        or_(ProspectRow.snoozed_until.is_(None), ProspectRow.snoozed_until <= now),
    )
    return _InputQueries(
        rules=select(Workspace.team_id, Workspace.cadence_rules).where(of_teams(Workspace.team_id)),
        prospects=select(
            ProspectRow.team_id, ProspectRow.owner_id, *queries.PROSPECT_COLUMNS
        ).where(callable_prospects),
        summaries=summary_statement(
            of_teams(CallLogRow.team_id),
            CallLogRow.prospect_id.in_(select(ProspectRow.id).where(callable_prospects)),
        ),
        owed=select(
            OwedReturnCallRow.team_id,
            OwedReturnCallRow.rep_user_id,
            OwedReturnCallRow.prospect_id,
            OwedReturnCallRow.due_at,
            CallLogRow.at,
        )
        .join(CallLogRow, CallLogRow.id == OwedReturnCallRow.inbound_call_id)
        .where(
            owned(OwedReturnCallRow.team_id, OwedReturnCallRow.rep_user_id),
            OwedReturnCallRow.returned_at.is_(None),
        ),
    )


_ONE_REP = _input_queries(
    lambda team: team == bindparam("rep_team"),
    lambda team, user: and_(team == bindparam("rep_team"), user == bindparam("rep_user")),
    bindparam("now"),
)
"""Built once: the App Home, `/digest now` and `/prospect list due` read one rep at a time,
and building these four statements cost more than running them."""


def digest_inputs(
    session: Session, reps: Collection[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], DigestInputs]:
    """Prospects, call histories, owed return calls and rules for (team_id, user_id) reps.

    Four queries for any batch of reps, the calls summarized by the database (see
    `storage.call_summaries`). Only pursued (active, or not interested and perhaps rested),
    unsnoozed prospects are read: the rest can never appear in a digest.
    """
    if not reps:
        return {}
    if len(reps) == 1:
        [(team_id, user_id)] = reps
        statements, params = _ONE_REP, {"rep_team": team_id, "rep_user": user_id, "now": now}
    else:
        teams = {team for team, _ in reps}
        statements = _input_queries(
            lambda team: team.in_(teams),
            lambda team, user: _owned_by(team, user, reps),
            now,
        )
        params = {}
    connection = session.connection()
    rules = _rules_by_team(connection.execute(statements.rules, params))
    prospect_rows = connection.execute(statements.prospects, params).all()
    summaries = dict(summaries_of(session, statements.summaries, params))
    prospects = {row.id: queries.to_prospect(row) for row in prospect_rows}
    owners = {row.id: (row.team_id, row.owner_id) for row in prospect_rows}

    inputs = {rep: DigestInputs([], [], rules.get(rep[0], CadenceRules())) for rep in reps}
    for prospect_id, prospect in prospects.items():
        inputs[owners[prospect_id]].prospects.append(
            ProspectHistory(prospect, summaries.get(prospect_id, NO_CALLS))
        )
    for owed in connection.execute(statements.owed, params):
        # Owed calls to prospects not read above are to closed or snoozed prospects.
        if owed.prospect_id in prospects and owners[owed.prospect_id] == (
            owed.team_id,
            owed.rep_user_id,
        ):
            inputs[(owed.team_id, owed.rep_user_id)].owed_calls.append(
                OwedCall(prospects[owed.prospect_id], called_at=owed.at, due_at=owed.due_at)
            )
    return inputs


def rep_digest_plan(
    session: Session,
    team_id: str,
    user_id: str,
    rep_tz: ZoneInfo,
    now: datetime,
    advisor: WindowAdvisor | None = None,
) -> DigestPlan:
    """The rep's digest as the daily tick would plan it at `now`, windows ranked by what the
    workspace's dials have taught: `/digest now`, the App Home and `/prospect list due` show
    this, so none of them disagrees with the morning DM."""
    rep = (team_id, user_id)
    inputs = digest_inputs(session, [rep], now)[rep]
    if advisor is None:
        advisor = insights_store.window_evidence(session, team_id, now).advisor(user_id)
    return plan_digest(
        rep_tz=rep_tz,
        now=now,
        prospects=inputs.prospects,
        owed_calls=inputs.owed_calls,
        rules=inputs.rules,
        advisor=advisor,
    )


def set_digest_settings(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    digest_time: str | None = None,
    digest_days: str | None = None,
    paused: bool | None = None,
    when_empty: bool | None = None,
) -> None:
    """Change only what was given; the rep's row must exist (queries.ensure_rep)."""
    values: dict[str, object] = {}
    if digest_time is not None:
        values["digest_time"] = digest_time
    if digest_days is not None:
        values["digest_days"] = digest_days
    if paused is not None:
        values["digest_paused"] = paused
    if when_empty is not None:
        values["digest_when_empty"] = when_empty
    if not values:
        return
    session.execute(
        update(RepRow)
        .where(RepRow.team_id == team_id, RepRow.user_id == user_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


_RETRIED = (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Failed or unknown with attempts left, or held by a tick that died (claimed, or posting
    with attempts left): whoever claims a day tried before reads the DM before posting."""
    stale = DeliveryRow.claimed_at < now - STALE_CLAIM
    attempts_left = DeliveryRow.attempts < MAX_ATTEMPTS
    return or_(
        and_(
            DeliveryRow.status.in_([DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN]), attempts_left
        ),
        and_(DeliveryRow.status == DeliveryStatus.CLAIMED, stale),
        and_(DeliveryRow.status == DeliveryStatus.POSTING, stale, attempts_left),
    )


def _in(keys: Collection[DeliveryKey]) -> ColumnElement[bool]:
    return tuple_(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date).in_(
        [(key.team_id, key.rep_user_id, key.local_date) for key in keys]
    )


def _is(key: DeliveryKey, kind: str) -> tuple[ColumnElement[bool], ...]:
    return (
        DeliveryRow.team_id == key.team_id,
        DeliveryRow.rep_user_id == key.rep_user_id,
        DeliveryRow.kind == kind,
        DeliveryRow.local_date == key.local_date,
    )


def _finish(session: Session, key: DeliveryKey, worker: str, kind: str, **values: object) -> None:
    """Only the worker that holds the day writes its outcome."""
    session.execute(
        update(DeliveryRow)
        .where(*_is(key, kind), DeliveryRow.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _owned_by(
    team_column: InstrumentedAttribute[str],
    user_column: InstrumentedAttribute[str],
    reps: Collection[tuple[str, str]],
) -> ColumnElement[bool]:
    """Rows of these reps, always scoped by team: user ids are only unique within a team."""
    by_team: dict[str, set[str]] = defaultdict(set)
    for team, user in reps:
        by_team[team].add(user)
    return or_(
        false(),
        *(and_(team_column == team, user_column.in_(users)) for team, users in by_team.items()),
    )


def _rules_by_team(rows: Iterable[Row[Any]]) -> dict[str, CadenceRules]:
    """Each workspace's cadence, from (team_id, cadence_rules) rows; a workspace whose stored
    rules are broken gets the defaults for the digest (and a warning in the log) rather than
    no digest at all."""
    rules = {}
    for team_id, stored in rows:
        try:
            rules[team_id] = CadenceRules.from_mapping(stored or {})
        except ValueError as problem:
            logger.warning("cadence rules of %s unusable, using defaults: %s", team_id, problem)
            rules[team_id] = CadenceRules()
    return rules
