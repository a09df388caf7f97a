"""Digest storage: who may be due, what their digests need, and the claim that sends each once.

Reads are set-based: for a batch of reps, one query each for their workspaces' rules, their
prospects, those prospects' call logs and their owed return calls, so a tick costs in
proportion to the reps due, never to prospects or to the size of the database.

Exactly once rests on the deliveries table's unique key (team, rep, kind, local date): any
number of ticks on any number of hosts may try to claim a rep's day, and the database lets
one of them win. A claim is a lease on the database's clock, renewed while its tick lives;
only a lapsed one is taken over. The states and retries are described once, in
docs/digest-and-reminders.md.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
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
    StoredListing,
    plan_digest,
)
from bot.insights.standing import standing_of
from bot.insights.window_advice import WindowAdvisor
from bot.rules.cadence import CadenceRules
from bot.rules.call_summary import CallSummary
from bot.rules.calls import Rep
from bot.rules.proposals import read_desk_hours
from bot.rules.public_holidays import rep_closed_days
from bot.rules.schedule import DigestSchedule, ScheduleError
from storage import insights as insights_store
from storage import queries
from storage.call_summaries import summaries_of, summary_statement
from storage.db import insert_for
from storage.driver_times import driver_times
from storage.models import (
    CallLogRow,
    DeliveryRow,
    OwedReturnCallRow,
    ProspectRow,
    RepRow,
    UTCDateTime,
    Workspace,
)
from storage.standing import WorkedOut, listing_of

LISTING_COLUMNS = (
    ProspectRow.listed_in,
    ProspectRow.listed_until,
    ProspectRow.listed_callback_due,
    ProspectRow.listed_last_dial_at,
    ProspectRow.listed_next_try,
)
"""What `standing.listing_of` reads, with `due_at`."""

logger = logging.getLogger(__name__)

DAILY = "daily"
WEEKLY = "weekly"
HEADS_UP = "heads_up"
"""The "window opens now" DM before a digest that comes after the calling day starts."""
NO_CALLS = CallSummary()

LEASE = timedelta(seconds=60)
"""How long a claim holds unless renewed. Longer than a post can take (slack_sdk gives up
after 30 s), so a post that began under a fresh lease has ended before anyone may take the
day over; short enough that a dead worker's days go out within two minutes (this, plus
the minute until the next round)."""

RENEW_EVERY = timedelta(seconds=15)
"""A live tick renews its leases this often: a few renewals may fail (a database hiccup)
before its claims lapse."""

RETRY_WAITS = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=4),
    timedelta(minutes=8),
)
"""The wait before trying a FAILED or UNKNOWN day again, by how many rounds it has failed;
then every 8 minutes. The budget is the day's cut-off, not a count: a five-minute outage
costs a few retries, an hour's about ten, and the digest goes out minutes after Slack is
back."""


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    """A tick holds the day (`lease_until`) and is building or about to post it; nothing has
    gone to Slack since it was claimed."""
    POSTING = "posting"
    """The post's request is about to go or on its way, or an earlier post may have landed
    (a day in doubt, claimed to look in the DM). Left behind by a tick that died: once the
    lease lapses, the taker reads the DM first."""
    SENT = "sent"
    """In the rep's DM, posted now or found there: `channel` and `ts` say where."""
    EMPTY = "empty"
    """Nothing was due and the rep did not ask for empty digests: nothing was sent."""
    FAILED = "failed"
    """Slack refused or could not be reached before the message existed: tried again from
    `next_attempt_at`."""
    SKIPPED = "skipped"
    """The rep's Slack account is gone, or the app was uninstalled."""
    UNKNOWN = "unknown"
    """The post may or may not have landed (a timeout after sending, a 5xx, an answer that
    is not Slack's), or the DM could not be read to find out: from `next_attempt_at` the DM
    is read, and the message posted only if it is not there."""
    MISSED = "missed"
    """The cut-off passed before the message could be posted; `last_error` says why."""


SETTLED = (
    DeliveryStatus.SENT,
    DeliveryStatus.EMPTY,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.MISSED,
)
"""Final: no tick touches these days again."""
IN_DOUBT = (DeliveryStatus.UNKNOWN, DeliveryStatus.POSTING)
"""What a day held when it was claimed that means an earlier post may be in the DM."""


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
    to_work_out: dict[int, int] = field(default_factory=dict)
    """Of `prospects`, those whose stored standing is not known, or ran out by the instant
    read for (a boundary it named has passed): id -> standing_version."""


CALLING_DAY_COLUMNS = (RepRow.working_day, RepRow.phone, RepRow.cell)
"""What a plan needs of the rep beyond their zone: their calling day (`/vmscript profile
day:`) and the phones their public holidays are told by. Read with the rep's other digest
columns, so honouring them costs no query."""


def _calling_rep(row: Row[Any]) -> Rep:
    """The rep as a digest plans for them, from their zone, name and CALLING_DAY_COLUMNS.
    A stored day that no longer reads (edited by hand) is the default day, not no digest."""
    try:
        working_day = read_desk_hours(row.working_day)
    except ValueError:
        logger.warning(
            "calling day of %s/%s unusable: %r", row.team_id, row.user_id, row.working_day
        )
        working_day = None
    return Rep(
        user_id=row.user_id,
        tz=row.tz,
        name=row.name,
        phone=row.phone,
        cell=row.cell,
        working_day=working_day,
    )


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
            *CALLING_DAY_COLUMNS,
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
                rep=_calling_rep(row),
                schedule=schedule,
                when_empty=row.digest_when_empty,
            )
        )
    return recipients


def database_now(session: Session) -> datetime:
    """The clock leases are kept on: PostgreSQL's, one for every host, so hosts whose clocks
    disagree agree on whether a lease has lapsed. SQLite serves one box, whose clock it is."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(select(func.clock_timestamp())).scalar_one()
    return datetime.now(UTC)


def unavailable_deliveries(
    session: Session, keys: Collection[DeliveryKey], now: datetime, kind: str = DAILY
) -> set[DeliveryKey]:
    """Of `keys`, those no tick may claim now: settled, waiting out a retry, or held by a
    live lease.

    Only rows for the few local dates in play are read, so this grows with the reps
    delivered today, not with the table's history.
    """
    if not keys:
        return set()
    return _keys_where(session, keys, kind, ~_claimable(now, database_now(session)))


def settled_deliveries(
    session: Session, keys: Collection[DeliveryKey], kind: str = DAILY
) -> set[DeliveryKey]:
    """Of `keys`, the days whose outcome is final (sent, empty, skipped, missed)."""
    if not keys:
        return set()
    return _keys_where(session, keys, kind, DeliveryRow.status.in_(SETTLED))


def _keys_where(
    session: Session, keys: Collection[DeliveryKey], kind: str, condition: ColumnElement[bool]
) -> set[DeliveryKey]:
    """Of `keys`, those whose delivery of `kind` meets `condition`, reading only the rows of
    the few local dates in play."""
    rows = session.execute(
        select(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date).where(
            DeliveryRow.kind == kind,
            DeliveryRow.local_date.in_({key.local_date for key in keys}),
            condition,
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


class Claim(NamedTuple):
    won: list[DeliveryKey]
    """The days this claim holds, sorted."""
    in_doubt: set[DeliveryKey]
    """Of `won`, the days an earlier post may have landed for: their DM is read first."""


def claim_deliveries(
    session: Session, keys: Iterable[DeliveryKey], worker: str, now: datetime, kind: str = DAILY
) -> Claim:
    """Claim the reps' days for `worker`, each under a lease of its own.

    A day nobody has touched is claimed by inserting its row (a concurrent insert of the
    same key does nothing). A day to retry (its wait over at `now`, the rounds' clock) or
    whose lease lapsed (the database's clock) is locked and taken over; on PostgreSQL,
    rows another claimant has locked are skipped rather than waited for. Keys are inserted
    in sorted order so concurrent claimants cannot deadlock.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return Claim([], set())
    held_from = database_now(session)
    lease = {
        "status": DeliveryStatus.CLAIMED,
        "claimed_by": worker,
        "claimed_at": held_from,
        "lease_until": held_from + LEASE,
    }
    inserted = session.execute(
        insert_for(session, DeliveryRow)
        .values(
            [
                {
                    "team_id": key.team_id,
                    "rep_user_id": key.rep_user_id,
                    "kind": kind,
                    "local_date": key.local_date,
                    "attempts": 0,
                    "failures": 0,
                    **lease,
                }
                for key in wanted
            ]
        )
        .on_conflict_do_nothing(index_elements=["team_id", "rep_user_id", "kind", "local_date"])
        .returning(DeliveryRow.team_id, DeliveryRow.rep_user_id, DeliveryRow.local_date)
    ).all()
    won = {DeliveryKey(*row) for row in inserted}
    others = [key for key in wanted if key not in won]
    if not others:
        return Claim(sorted(won), set())
    taken = session.execute(
        select(
            DeliveryRow.id,
            DeliveryRow.team_id,
            DeliveryRow.rep_user_id,
            DeliveryRow.local_date,
            DeliveryRow.status,
        )
        .where(DeliveryRow.kind == kind, _in(others), _claimable(now, held_from))
        .order_by(DeliveryRow.id)
        .with_for_update(skip_locked=True)
    ).all()
    if taken:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_([row.id for row in taken]))
            .values(
                **lease
                | {
                    # A day in doubt stays marked so: if this tick dies too, the next one
                    # still reads the DM before posting.
                    "status": case(
                        (DeliveryRow.status.in_(IN_DOUBT), DeliveryStatus.POSTING),
                        else_=DeliveryStatus.CLAIMED,
                    )
                }
            )
            .execution_options(synchronize_session=False)
        )
    retaken = {DeliveryKey(row.team_id, row.rep_user_id, row.local_date): row for row in taken}
    in_doubt = {key for key, row in retaken.items() if row.status in IN_DOUBT}
    return Claim(sorted(won | retaken.keys()), in_doubt)


def start_posting(session: Session, key: DeliveryKey, worker: str, kind: str = DAILY) -> bool:
    """Mark a claimed day POSTING just before its request goes, with a fresh lease and one
    more attempt; False if another tick has taken the day over.

    Committed before Slack is called: a tick that dies mid-post leaves POSTING behind, and
    whoever takes it over once the lease lapses reads the DM before posting again.
    """
    held_from = database_now(session)
    started = session.execute(
        update(DeliveryRow)
        .where(
            *_is(key, kind),
            DeliveryRow.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.POSTING]),
            DeliveryRow.claimed_by == worker,
        )
        .values(
            status=DeliveryStatus.POSTING,
            attempts=DeliveryRow.attempts + 1,
            lease_until=held_from + LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(started.rowcount)  # type: ignore[attr-defined]


def renew_leases(session: Session, worker: str) -> int:
    """Extend every lease `worker` holds: the days it is building, queueing or posting."""
    renewed = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.claimed_by == worker,
            DeliveryRow.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.POSTING]),
        )
        .values(lease_until=database_now(session) + LEASE)
        .execution_options(synchronize_session=False)
    )
    return int(renewed.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one claimed day ended, for `record_outcomes`."""

    key: DeliveryKey
    status: DeliveryStatus
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


_ROW = DeliveryRow.__table__.c
_RECORD = (
    update(DeliveryRow.__table__)  # type: ignore[arg-type]
    .where(
        _ROW.team_id == bindparam("k_team"),
        _ROW.rep_user_id == bindparam("k_rep"),
        _ROW.kind == bindparam("k_kind"),
        _ROW.local_date == bindparam("k_date"),
        _ROW.claimed_by == bindparam("k_worker"),
        # Not IN: executemany takes no expanding parameters.
        or_(_ROW.status == DeliveryStatus.CLAIMED, _ROW.status == DeliveryStatus.POSTING),
    )
    .values(
        status=bindparam("status"),
        channel=bindparam("channel"),
        ts=bindparam("ts"),
        sent_at=bindparam("sent_at"),
        last_error=bindparam("last_error"),
        lease_until=None,
        failures=_ROW.failures + bindparam("failed", type_=Integer),
        # The wait grows with the rounds failed so far; NULL (no retry) for a final outcome.
        next_attempt_at=case(
            *(
                (_ROW.failures == n, bindparam(f"retry_{n}", type_=UTCDateTime))
                for n in range(len(RETRY_WAITS) - 1)
            ),
            else_=bindparam(f"retry_{len(RETRY_WAITS) - 1}", type_=UTCDateTime),
        ),
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

    Only the worker that holds each day writes it, and its lease ends. A sent day keeps
    Slack's channel and ts; a FAILED or UNKNOWN one is tried again after RETRY_WAITS.
    """
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
                "failed": int(o.status in _RETRIED),
                **{
                    f"retry_{n}": now + wait if o.status in _RETRIED else None
                    for n, wait in enumerate(RETRY_WAITS)
                },
            }
            for o in outcomes
        ],
    )


def record_missed(
    session: Session, keys: Collection[DeliveryKey], worker: str, why: str, kind: str = DAILY
) -> None:
    """The cut-off passed before these claimed days could be posted: MISSED, with `why` and
    what last went wrong, if anything did."""
    if not keys:
        return
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.kind == kind, _in(keys), DeliveryRow.claimed_by == worker)
        .values(
            status=DeliveryStatus.MISSED,
            lease_until=None,
            next_attempt_at=None,
            last_error=func.substr(
                literal(why + "; last error: ")
                + func.coalesce(DeliveryRow.last_error, "none, no post was tried"),
                1,
                200,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def note_error(
    session: Session, key: DeliveryKey, worker: str, error: str, kind: str = DAILY
) -> None:
    """Keep what went wrong after the message was sent (its picture, say), status unchanged."""
    session.execute(
        update(DeliveryRow)
        .where(*_is(key, kind), DeliveryRow.claimed_by == worker)
        .values(last_error=error[:200])
        .execution_options(synchronize_session=False)
    )


def delivery_row(
    session: Session, team_id: str, rep_user_id: str, local_date: date, kind: str = DAILY
) -> DeliveryRow | None:
    return session.scalars(
        select(DeliveryRow).where(*_is(DeliveryKey(team_id, rep_user_id, local_date), kind))
    ).one_or_none()


def prune_deliveries(session: Session, before: date, limit: int) -> int:
    """Forget up to `limit` deliveries of local dates before `before`, oldest first: a
    bounded statement a minute keeps the table at the retention, whatever the backlog."""
    return queries.delete_oldest(
        session, DeliveryRow.id, DeliveryRow.local_date, limit, DeliveryRow.local_date < before
    )


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
    reachable = and_(
        ProspectRow.status.in_([status.value for status in PURSUED_STATUSES]),
        or_(ProspectRow.snoozed_until.is_(None), ProspectRow.snoozed_until <= now),
    )
    # Only those the digest may list now (or whose standing is not known, NOT_KNOWN being
    # before every now): one range of the (team, owner, due_at) index per workspace.
    due_prospects = and_(
        owned(ProspectRow.team_id, ProspectRow.owner_id), ProspectRow.due_at <= now, reachable
    )
    return _InputQueries(
        rules=select(Workspace.team_id, Workspace.cadence_rules).where(of_teams(Workspace.team_id)),
        prospects=select(
            ProspectRow.team_id,
            ProspectRow.owner_id,
            ProspectRow.stage,
            ProspectRow.standing_version,
            # Hundreds of prospects per rep, each with several times.
            *driver_times((ProspectRow.due_at, *LISTING_COLUMNS, *queries.PROSPECT_COLUMNS)),
        ).where(due_prospects),
        summaries=summary_statement(
            of_teams(CallLogRow.team_id),
            CallLogRow.prospect_id.in_(select(ProspectRow.id).where(due_prospects)),
        ),
        # The prospect comes along: one owed a call need not be due otherwise.
        owed=select(
            OwedReturnCallRow.team_id,
            OwedReturnCallRow.rep_user_id,
            OwedReturnCallRow.due_at.label("owed_due_at"),
            CallLogRow.at.label("called_at"),
            ProspectRow.owner_id,
            *queries.PROSPECT_COLUMNS,
        )
        .join(CallLogRow, CallLogRow.id == OwedReturnCallRow.inbound_call_id)
        .join(
            ProspectRow,
            and_(
                ProspectRow.team_id == OwedReturnCallRow.team_id,
                ProspectRow.id == OwedReturnCallRow.prospect_id,
            ),
        )
        .where(
            owned(OwedReturnCallRow.team_id, OwedReturnCallRow.rep_user_id),
            OwedReturnCallRow.returned_at.is_(None),
            reachable,
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
    `storage.call_summaries`). Only prospects the digest may list at `now` are read: pursued
    (active, or not interested and perhaps rested), unsnoozed, and due by their stored
    standing (`storage.standing`), or with a standing not known yet; and the prospects
    owed a return call.
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

    inputs = {rep: DigestInputs([], [], rules.get(rep[0], CadenceRules())) for rep in reps}
    for row in prospect_rows:
        rep_inputs = inputs[(row.team_id, row.owner_id)]
        listing = listing_of(row)
        rep_inputs.prospects.append(
            ProspectHistory(queries.to_prospect(row), summaries.get(row.id, NO_CALLS), listing)
        )
        if row.stage is None or _ran_out(row.due_at, listing, now):
            rep_inputs.to_work_out[row.id] = row.standing_version
    for owed in connection.execute(statements.owed, params):
        # Owed by the prospect's owner only: a prospect handed to another rep is theirs.
        if owed.owner_id == owed.rep_user_id:
            inputs[(owed.team_id, owed.rep_user_id)].owed_calls.append(
                OwedCall(
                    queries.to_prospect(owed), called_at=owed.called_at, due_at=owed.owed_due_at
                )
            )
    return inputs


def worked_out_standings(
    inputs: dict[tuple[str, str], DigestInputs],
    zones: dict[tuple[str, str], ZoneInfo],
    now: datetime,
) -> list[WorkedOut]:
    """The standings, as at `now`, of the prospects read whose standing was not known or
    ran out, from the calls read with them, for `standing.write_back` (reps on their clocks
    `zones`): so a boundary passed is stored at the next read, not worked out every day."""
    worked_out = []
    for rep, rep_inputs in inputs.items():
        if not rep_inputs.to_work_out:
            continue
        for item in rep_inputs.prospects:
            prospect_id = item.prospect.id
            if prospect_id is None or prospect_id not in rep_inputs.to_work_out:
                continue
            standing = standing_of(item.prospect, item.calls, now, zones[rep], rep_inputs.rules)
            worked_out.append(
                WorkedOut(rep[0], prospect_id, rep_inputs.to_work_out[prospect_id], standing)
            )
    return worked_out


def _ran_out(due_at: datetime | None, listing: StoredListing | None, now: datetime) -> bool:
    """Whether a known standing has passed a moment it named by `now`: its `due_at` when it
    stored no listing (a change of stage), or the end of its listing."""
    if due_at is None or due_at > now:
        return False
    return listing is None or not listing.holds(now)


def rep_digest_plan(
    session: Session,
    team_id: str,
    user_id: str,
    rep_tz: ZoneInfo,
    now: datetime,
    advisor: WindowAdvisor | None = None,
    states_for: int | None = None,
) -> DigestPlan:
    """The rep's digest as the daily tick would plan it at `now`, windows ranked by what the
    workspace's dials have taught and cut to the rep's calling day: `/digest now`, the App
    Home and `/prospect list due` show this, so none of them disagrees with the morning DM.
    `states_for`: `plan_digest`'s (the entries whose rule is shown; None: all)."""
    rep = (team_id, user_id)
    inputs = digest_inputs(session, [rep], now)[rep]
    if advisor is None:
        advisor = insights_store.window_evidence(session, team_id, now).advisor(user_id)
    stored = session.execute(
        select(RepRow.team_id, RepRow.user_id, RepRow.tz, RepRow.name, *CALLING_DAY_COLUMNS).where(
            RepRow.team_id == team_id, RepRow.user_id == user_id
        )
    ).one_or_none()
    # A rep with no row yet has the default day and no known public holidays.
    calling = _calling_rep(stored) if stored is not None else Rep(user_id, rep_tz.key)
    return plan_digest(
        rep_tz=rep_tz,
        now=now,
        prospects=inputs.prospects,
        owed_calls=inputs.owed_calls,
        rules=inputs.rules,
        advisor=advisor,
        rep_day=calling.day,
        rep_closed=rep_closed_days(calling),
        states_for=states_for,
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


def _claimable(now: datetime, database_now: datetime) -> ColumnElement[bool]:
    """Failed or unknown with its wait over on the rounds' clock, or held by a lease that
    has lapsed on the database's: a tick that died. Whoever claims a day in doubt reads
    the DM before posting."""
    return or_(
        and_(
            DeliveryRow.status.in_(_RETRIED),
            or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
        ),
        and_(
            DeliveryRow.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.POSTING]),
            or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < database_now),
        ),
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
