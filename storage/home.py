"""What the App Home reads besides the digest plan: the rep's week and digest settings.

The Home is redrawn after every logged call, so this is one statement, built once: the
rep's settings row outer-joined to their fortnight's activity already counted by the
database (a few rows per outcome, not a row per call). It counts exactly as
`insights.week_reports` does for Friday's picture; `tests/storage/test_home.py` holds the
two together.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from bot.insights.rates import CONNECTS
from bot.insights.weekly import WeekNumbers, WeekReport, week_bounds
from bot.rules.calls import Outcome
from storage.db import DIALECT_INSERTS
from storage.models import (
    CallLogRow,
    DraftRow,
    HomeRedrawRow,
    OwedReturnCallRow,
    ProspectRow,
    RepRow,
    Workspace,
)
from storage.queries import REP_AND_RULES_COLUMNS
from storage.scripts import INTRODUCTION


@dataclass(frozen=True)
class DigestSettingsRow:
    """The rep's stored digest settings, as `/digest` shows them."""

    time: str
    days: str
    paused: bool
    when_empty: bool

    @classmethod
    def of(cls, row: RepRow) -> DigestSettingsRow:
        return cls(row.digest_time, row.digest_days, row.digest_paused, row.digest_when_empty)


@dataclass(frozen=True)
class HomeReads:
    week: WeekReport
    """This week against last week at the same point; zeros for a rep with no row yet."""
    digest: DigestSettingsRow | None
    """None until the rep has a row: the Home then shows the defaults."""


def _in_weeks(at: Any) -> Any:
    """Inside this week so far or last week up to the same moment (`WeekBounds.which`)."""
    return or_(
        and_(at >= bindparam("this_start"), at <= bindparam("now")),
        and_(at >= bindparam("last_start"), at <= bindparam("last_cutoff")),
    )


def _kind(name: str) -> Any:
    return cast(literal(name), String)


_CALLS = (
    select(
        _kind("call").label("kind"),
        CallLogRow.outcome.label("outcome"),
        # Only a connect with a referred prospect counts as a referral reached; a referrer
        # left empty is no referrer.
        case(
            (and_(ProspectRow.referrer.is_not(None), ProspectRow.referrer != ""), 1), else_=0
        ).label("referred"),
        CallLogRow.at.label("at"),
    )
    .join(
        ProspectRow,
        and_(ProspectRow.id == CallLogRow.prospect_id, ProspectRow.team_id == bindparam("team_id")),
    )
    .where(
        CallLogRow.team_id == bindparam("team_id"),
        CallLogRow.rep_user_id == bindparam("user_id"),
        _in_weeks(CallLogRow.at),
    )
)
# Returned by the due time means within the 24 hours the inbound call started.
_RETURNS = select(
    _kind("return"), cast(null(), String), cast(literal(0), Integer), OwedReturnCallRow.returned_at
).where(
    OwedReturnCallRow.team_id == bindparam("team_id"),
    OwedReturnCallRow.rep_user_id == bindparam("user_id"),
    OwedReturnCallRow.returned_at <= OwedReturnCallRow.due_at,
    _in_weeks(OwedReturnCallRow.returned_at),
)
_INTRODUCTIONS = select(
    _kind("intro"), cast(null(), String), cast(literal(0), Integer), DraftRow.created_at
).where(
    DraftRow.team_id == bindparam("team_id"),
    DraftRow.rep_user_id == bindparam("user_id"),
    DraftRow.kind == INTRODUCTION,
    _in_weeks(DraftRow.created_at),
)
_ACTIVITY = union_all(_CALLS, _RETURNS, _INTRODUCTIONS).subquery()
# Counting this week's inside the aggregate keeps the bound times out of GROUP BY, where
# PostgreSQL would not match them with the select list's.
_COUNTED = (
    select(
        _ACTIVITY.c.kind,
        _ACTIVITY.c.outcome,
        _ACTIVITY.c.referred,
        func.sum(case((_ACTIVITY.c.at >= bindparam("this_start"), 1), else_=0)).label("this"),
        func.count().label("total"),
    )
    .group_by(_ACTIVITY.c.kind, _ACTIVITY.c.outcome, _ACTIVITY.c.referred)
    .subquery()
)
_HOME_READS = (
    select(
        RepRow.digest_time,
        RepRow.digest_days,
        RepRow.digest_paused,
        RepRow.digest_when_empty,
        _COUNTED.c.kind,
        _COUNTED.c.outcome,
        _COUNTED.c.referred,
        _COUNTED.c.this,
        _COUNTED.c.total,
    )
    .select_from(RepRow)
    .outerjoin(_COUNTED, true())
    .where(RepRow.team_id == bindparam("team_id"), RepRow.user_id == bindparam("user_id"))
)


def home_reads(
    session: Session, team_id: str, user_id: str, tz: ZoneInfo, now: datetime
) -> HomeReads:
    """The rep's week on their clock `tz` and their digest settings, in one round trip."""
    bounds = week_bounds(now, tz)
    # Columns only, on the connection: the ORM's per-statement work is most of a small read.
    rows = session.connection().execute(
        _HOME_READS,
        {
            "team_id": team_id,
            "user_id": user_id,
            "this_start": bounds.this_start,
            "now": bounds.now,
            "last_start": bounds.last_start,
            "last_cutoff": bounds.last_cutoff,
        },
    )
    outcomes = {"this": Counter[Outcome](), "last": Counter[Outcome]()}
    counts = {key: Counter[str]() for key in outcomes}
    digest = None
    for row in rows:
        digest = DigestSettingsRow(*row[:4])
        if row.kind is None:
            continue
        for week, n in (("this", int(row.this)), ("last", int(row.total) - int(row.this))):
            if row.kind != "call":
                counts[week][row.kind] += n
                continue
            outcome = Outcome(row.outcome)
            outcomes[week][outcome] += n
            if row.referred and outcome in CONNECTS:
                counts[week]["referred"] += n
    this_week, last_week = (
        WeekNumbers.count(
            outcomes[week].elements(),
            counts[week]["return"],
            counts[week]["intro"],
            counts[week]["referred"],
        )
        for week in ("this", "last")
    )
    week = WeekReport(user_id, bounds.this_start.date(), this_week, last_week)
    return HomeReads(week, digest)


def _want_redraw(dialect_insert: Any) -> Any:
    insert = dialect_insert(HomeRedrawRow).values(
        team_id=bindparam("team_id"),
        user_id=bindparam("user_id"),
        wanted_at=bindparam("now"),
        changed_at=bindparam("now"),
    )
    return insert.on_conflict_do_update(
        index_elements=["team_id", "user_id"], set_={"changed_at": insert.excluded.changed_at}
    )


_WANT_REDRAW = {
    name: _want_redraw(dialect_insert) for name, dialect_insert in DIALECT_INSERTS.items()
}
"""Built once per dialect: every logged call by a rep with a Home writes one."""


def want_redraw(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """Leave the rep's Home for the redraw loop. A redraw already waiting keeps the time of
    its first change and takes `now` as its latest, so a burst of changes is drawn once it
    pauses, and a rep changing things without a pause is still drawn after a while."""
    connection = session.connection()
    connection.execute(
        _WANT_REDRAW[connection.dialect.name], {"team_id": team_id, "user_id": user_id, "now": now}
    )


_REPS_OF = (
    select(RepRow.team_id, RepRow.user_id, *REP_AND_RULES_COLUMNS)
    .outerjoin(Workspace, Workspace.team_id == RepRow.team_id)
    .where(tuple_(RepRow.team_id, RepRow.user_id).in_(bindparam("keys", expanding=True)))
)


def reps_of(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Row[Any]]:
    """The reps of a batch of taken Homes, by (team_id, user_id), as `queries.rep_and_rules`
    reads one: one round trip for the batch rather than one per Home."""
    if not keys:
        return {}
    rows = session.connection().execute(_REPS_OF, {"keys": keys})
    return {(row.team_id, row.user_id): row for row in rows}


def take_redraws(
    session: Session, quiet_since: datetime, waiting_since: datetime, limit: int
) -> list[tuple[str, str]]:
    """(team_id, user_id) of up to `limit` Homes unchanged since `quiet_since` or waiting since
    `waiting_since`, the longest waiting first, taken: deleted in this transaction, so of
    several processes only one draws each. A change saved after the take waits anew and
    gets a redraw of its own."""
    waiting = (
        select(HomeRedrawRow.team_id, HomeRedrawRow.user_id)
        .where(
            or_(HomeRedrawRow.changed_at <= quiet_since, HomeRedrawRow.wanted_at <= waiting_since)
        )
        .order_by(HomeRedrawRow.wanted_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Another worker's rows are skipped rather than waited for.
        waiting = waiting.with_for_update(skip_locked=True)
    taken = session.execute(
        delete(HomeRedrawRow)
        .where(tuple_(HomeRedrawRow.team_id, HomeRedrawRow.user_id).in_(waiting))
        .returning(HomeRedrawRow.team_id, HomeRedrawRow.user_id)
    )
    return [(row.team_id, row.user_id) for row in taken]
