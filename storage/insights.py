"""Insights storage: a workspace's dials by prospect-local hour, and its reps' weeks.

Each read is one query per workspace, however many reps and prospects it has. The hour that
matters is the prospect's local hour, which depends on each prospect's own zone and on the
daylight-saving rules in force on the day of the call. PostgreSQL could group by
`at AT TIME ZONE tz`, but SQLite has no time-zone support, so the query streams just the
columns needed (rep, zones, outcome, time) and the grouping happens in Python with zoneinfo,
identically on both databases.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    null,
    select,
    table,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from bot.insights.rates import (
    CONNECTS,
    LEARNING_LOOKBACK,
    CallGrid,
    Cell,
    Tally,
    TeamDials,
    area_segment,
)
from bot.insights.weekly import Week, WeekBounds, WeekNumbers, WeekReport, week_bounds
from bot.insights.window_advice import WindowAdvisor, WindowEvidence
from bot.rules.calls import OUTBOUND_DIALS, Outcome
from bot.rules.schedule import ScheduleError, parse_digest_time
from storage import queries
from storage import standing as standing_store
from storage.models import (
    CallLogRow,
    DraftRow,
    OwedReturnCallRow,
    ProspectRow,
    RepRow,
    Workspace,
)
from storage.scripts import INTRODUCTION

logger = logging.getLogger(__name__)

STREAM_BATCH = 2000
"""Rows fetched at a time: months of a big team's dials never sit in memory at once."""

# Last week's Monday midnight is at most 14 days before now on the rep's clock; a day more
# covers any zone offset and DST change.
_WEEKS_LOOKBACK = timedelta(days=15)


def team_dials(session: Session, team_id: str, since: datetime, until: datetime) -> TeamDials:
    """The workspace's dials in [since, until), by rep, area and prospect-local hour.

    A prospect without a known zone is placed on their rep's clock, as the digest does; a dial
    with neither zone usable is left out, since its local hour is unknowable.

    PostgreSQL groups the dials itself (a 500-rep workspace's million dials become a few
    thousand rows); SQLite, which has no time zones, streams them to Python.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _grouped_team_dials(session, team_id, since, until)
    return _streamed_team_dials(session, team_id, since, until)


def _grouped_team_dials(
    session: Session, team_id: str, since: datetime, until: datetime
) -> TeamDials:
    # A zone the server does not know (removed from its tzdata) would fail the whole query.
    known = select(column("name")).select_from(table("pg_timezone_names")).scalar_subquery()
    zone = case(
        (ProspectRow.tz.in_(known), ProspectRow.tz),
        (RepRow.tz.in_(known), RepRow.tz),
        else_=null(),
    )
    local = func.timezone(zone, CallLogRow.at)
    weekday = (func.extract("isodow", local) - 1).label("weekday")
    hour = func.extract("hour", local).label("hour")
    connected = case((CallLogRow.outcome.in_([str(o) for o in CONNECTS]), 1), else_=0)
    rows = session.execute(
        _team_dial_rows(
            team_id,
            since,
            until,
            CallLogRow.rep_user_id,
            ProspectRow.tz.label("prospect_tz"),
            weekday,
            hour,
            func.count().label("dials"),
            func.sum(connected).label("connects"),
        )
        .where(zone.is_not(None))
        .group_by(CallLogRow.rep_user_id, ProspectRow.tz, weekday, hour)
    )
    cells: defaultdict[tuple[str, str], dict[Cell, Tally]] = defaultdict(dict)
    for row in rows:
        key = (row.rep_user_id, area_segment(row.prospect_tz))
        cell = Cell(int(row.weekday), int(row.hour))
        cells[key][cell] = cells[key].get(cell, Tally()) + Tally(row.dials, row.connects)
    return TeamDials({key: CallGrid(found) for key, found in cells.items()})


def _team_dial_rows(
    team_id: str, since: datetime, until: datetime, *columns: ColumnElement[object]
) -> Select[Any]:
    """The workspace's dials in [since, until) with their prospects and reps joined."""
    return (
        select(*columns)
        .select_from(CallLogRow)
        .join(
            ProspectRow,
            and_(ProspectRow.id == CallLogRow.prospect_id, ProspectRow.team_id == team_id),
        )
        .outerjoin(
            RepRow, and_(RepRow.team_id == team_id, RepRow.user_id == CallLogRow.rep_user_id)
        )
        .where(
            CallLogRow.team_id == team_id,
            CallLogRow.at >= since,
            CallLogRow.at < until,
            CallLogRow.outcome.in_([str(outcome) for outcome in OUTBOUND_DIALS]),
        )
    )


def _streamed_team_dials(
    session: Session, team_id: str, since: datetime, until: datetime
) -> TeamDials:
    rows = session.execute(
        _team_dial_rows(
            team_id,
            since,
            until,
            CallLogRow.rep_user_id,
            CallLogRow.outcome,
            CallLogRow.at,
            ProspectRow.tz.label("prospect_tz"),
            RepRow.tz.label("rep_tz"),
        ).execution_options(yield_per=STREAM_BATCH)
    )
    dials: defaultdict[tuple[str, str], list[tuple[Cell, bool]]] = defaultdict(list)
    for row in rows:
        zone = _zone(row.prospect_tz) or _zone(row.rep_tz)
        if zone is None:
            continue
        key = (row.rep_user_id, area_segment(row.prospect_tz))
        dials[key].append((_cell(row.at, zone), row.outcome in CONNECTS))
    return TeamDials({key: CallGrid.count(pairs) for key, pairs in dials.items()})


def window_evidence(session: Session, team_id: str, now: datetime) -> WindowEvidence:
    """What ranking a workspace's windows needs: its setting and, when learning, its dials of
    the look-back. One read per workspace, shared by all its reps' digests and drafts."""
    learning = window_learning(session, team_id)
    if not learning:
        return WindowEvidence(learning=False)
    return WindowEvidence(team_dials(session, team_id, now - LEARNING_LOOKBACK, now))


class EvidenceCache:
    """A workspace's learned windows, reused for `ttl` by surfaces that refresh on every call.

    The estimate weighs months of dials, so minutes-old evidence ranks windows the same; the
    App Home, refreshed after each logged call, would otherwise re-read and re-estimate them
    every time. Reps' advisors are kept too, as each holds its estimates.
    """

    def __init__(self, ttl: timedelta, max_teams: int | None = None) -> None:
        """`max_teams` bounds how many workspaces are kept, the least recently read dropped
        first: a 500-rep workspace's dials take tens of MiB, and a digest tick that walks
        through twenty workspaces one after the other needs one at a time."""
        self._ttl = ttl
        self._max_teams = max_teams
        self._lock = Lock()
        self._teams: dict[str, tuple[datetime, WindowEvidence, dict[str, WindowAdvisor]]] = {}

    def advisor(self, session: Session, team_id: str, user_id: str, now: datetime) -> WindowAdvisor:
        """The rep's advisor, kept with the workspace's evidence: for surfaces that ask for
        the same rep's again and again (the App Home)."""
        _, evidence, advisors = self._entry(session, team_id, now)
        with self._lock:
            if user_id not in advisors:
                advisors[user_id] = evidence.advisor(user_id)
            return advisors[user_id]

    def evidence(self, session: Session, team_id: str, now: datetime) -> WindowEvidence:
        """The workspace's evidence alone: a digest tick asks once per rep and day, so the
        reps' advisors are not worth keeping (10,000 of them would fill the memory)."""
        return self._entry(session, team_id, now)[1]

    def _entry(
        self, session: Session, team_id: str, now: datetime
    ) -> tuple[datetime, WindowEvidence, dict[str, WindowAdvisor]]:
        with self._lock:
            entry = self._teams.get(team_id)
        if entry is None or not entry[0] <= now < entry[0] + self._ttl:
            entry = (now, window_evidence(session, team_id, now), {})
            with self._lock:
                self._teams.pop(team_id, None)
                self._teams[team_id] = entry
                while self._max_teams is not None and len(self._teams) > self._max_teams:
                    del self._teams[next(iter(self._teams))]
        return entry


def window_learning(session: Session, team_id: str) -> bool:
    """On unless an admin turned it off; a workspace without a row yet learns."""
    stored = session.scalar(select(Workspace.window_learning).where(Workspace.team_id == team_id))
    return stored is not False


def set_window_learning(session: Session, team_id: str, learning: bool, now: datetime) -> None:
    queries.workspace(session, team_id, now)
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id)
        .values(window_learning=learning)
        .execution_options(synchronize_session=False)
    )


def set_currency(session: Session, team_id: str, currency: str, now: datetime) -> None:
    """The workspace's deal currency, kept with its cadence rules: the budget counts its
    thousands, so every reader of the rules reads the currency with them."""
    row = queries.workspace(session, team_id, now)
    row.cadence_rules = {**(row.cadence_rules or {}), "currency": currency}
    standing_store.forget_workspace(session, team_id)
    session.flush()


@dataclass(frozen=True)
class WeeklyRecipient:
    team_id: str
    user_id: str
    tz: ZoneInfo
    at: time
    """When on Friday, on the rep's clock."""


def weekly_recipients(session: Session) -> list[WeeklyRecipient]:
    """Every rep with the weekly picture on, in every workspace this database serves.

    One row per rep; a row whose zone or time no longer parses is logged and left out.
    """
    rows = session.execute(
        select(RepRow.team_id, RepRow.user_id, RepRow.tz, RepRow.weekly_time).where(
            RepRow.weekly_time.is_not(None)
        )
    ).all()
    recipients = []
    for row in rows:
        zone = _zone(row.tz)
        try:
            at = parse_digest_time(row.weekly_time)
        except ScheduleError as problem:
            logger.warning("weekly time of %s/%s unusable: %s", row.team_id, row.user_id, problem)
            continue
        if zone is None:
            logger.warning("weekly picture of %s/%s: zone %r", row.team_id, row.user_id, row.tz)
            continue
        recipients.append(WeeklyRecipient(row.team_id, row.user_id, zone, at))
    return recipients


def set_weekly_time(session: Session, team_id: str, user_id: str, at: str | None) -> None:
    """`at` is "15:00" on the rep's clock, or None for no weekly picture; the row must exist."""
    session.execute(
        update(RepRow)
        .where(RepRow.team_id == team_id, RepRow.user_id == user_id)
        .values(weekly_time=at)
        .execution_options(synchronize_session=False)
    )


def week_reports(session: Session, team_id: str, now: datetime) -> dict[str, WeekReport]:
    """Every rep's week so far against last week at the same point, keyed by user id.

    One query: the reps, outer-joined to their calls and their in-time return calls (a union),
    so reps with a quiet fortnight still get a report of zeros. A rep whose zone no longer
    parses is logged and left out rather than stopping the others.
    """
    since = now - _WEEKS_LOOKBACK
    reps = select(RepRow.user_id, RepRow.tz).where(RepRow.team_id == team_id)
    calls = (
        select(
            CallLogRow.rep_user_id.label("user_id"),
            cast(literal("call"), String).label("kind"),
            CallLogRow.outcome.label("outcome"),
            CallLogRow.at.label("at"),
            ProspectRow.tz.label("prospect_tz"),
            ProspectRow.referrer.label("referrer"),
        )
        .join(
            ProspectRow,
            and_(ProspectRow.id == CallLogRow.prospect_id, ProspectRow.team_id == team_id),
        )
        .where(CallLogRow.team_id == team_id, CallLogRow.at >= since, CallLogRow.at <= now)
    )
    # Returned by the due time means within the 24 hours the inbound call started.
    returns = select(
        OwedReturnCallRow.rep_user_id,
        cast(literal("return"), String),
        cast(null(), String),
        OwedReturnCallRow.returned_at,
        cast(null(), String),
        cast(null(), String),
    ).where(
        OwedReturnCallRow.team_id == team_id,
        OwedReturnCallRow.returned_at >= since,
        OwedReturnCallRow.returned_at <= now,
        OwedReturnCallRow.returned_at <= OwedReturnCallRow.due_at,
    )
    introductions = select(
        DraftRow.rep_user_id,
        cast(literal("intro"), String),
        cast(null(), String),
        DraftRow.created_at,
        cast(null(), String),
        cast(null(), String),
    ).where(
        DraftRow.team_id == team_id,
        DraftRow.kind == INTRODUCTION,
        DraftRow.created_at >= since,
        DraftRow.created_at <= now,
    )
    activity = union_all(calls, returns, introductions).subquery()
    query = reps.add_columns(
        activity.c.kind,
        activity.c.outcome,
        activity.c.at,
        activity.c.prospect_tz,
        activity.c.referrer,
    ).outerjoin(activity, activity.c.user_id == RepRow.user_id)
    # A team's fortnight is streamed, never held in memory at once.
    query = query.execution_options(yield_per=STREAM_BATCH)
    rows = session.execute(query)
    outcomes: defaultdict[tuple[str, Week], list[Outcome]] = defaultdict(list)
    returned: defaultdict[tuple[str, Week], int] = defaultdict(int)
    asked: defaultdict[tuple[str, Week], int] = defaultdict(int)
    referred: defaultdict[tuple[str, Week], int] = defaultdict(int)
    dials: defaultdict[str, list[tuple[Cell, bool]]] = defaultdict(list)
    bounds: dict[str, WeekBounds] = {}
    unusable: set[str] = set()
    for row in rows:
        if row.user_id not in bounds:
            rep_zone = _zone(row.tz)
            if rep_zone is None:
                if row.user_id not in unusable:
                    logger.warning(
                        "no week report for %s/%s: zone %r", team_id, row.user_id, row.tz
                    )
                    unusable.add(row.user_id)
                continue
            bounds[row.user_id] = week_bounds(now, rep_zone)
        week = bounds[row.user_id].which(row.at) if row.kind is not None else None
        if week is None:
            continue
        if row.kind == "return":
            returned[row.user_id, week] += 1
            continue
        if row.kind == "intro":
            asked[row.user_id, week] += 1
            continue
        outcome = Outcome(row.outcome)
        outcomes[row.user_id, week].append(outcome)
        if row.referrer and outcome in CONNECTS:
            referred[row.user_id, week] += 1
        if week is Week.THIS and outcome in OUTBOUND_DIALS:
            zone = _zone(row.prospect_tz) or _zone(row.tz)
            dials[row.user_id].append((_cell(row.at, zone), outcome in CONNECTS))
    return {
        user_id: WeekReport(
            user_id=user_id,
            week_start=rep_bounds.this_start.date(),
            this_week=_numbers(outcomes, returned, asked, referred, (user_id, Week.THIS)),
            last_week=_numbers(outcomes, returned, asked, referred, (user_id, Week.LAST)),
            grid=CallGrid.count(dials[user_id]),
        )
        for user_id, rep_bounds in bounds.items()
    }


def _numbers(
    outcomes: defaultdict[tuple[str, Week], list[Outcome]],
    returned: defaultdict[tuple[str, Week], int],
    asked: defaultdict[tuple[str, Week], int],
    referred: defaultdict[tuple[str, Week], int],
    key: tuple[str, Week],
) -> WeekNumbers:
    return WeekNumbers.count(outcomes[key], returned[key], asked[key], referred[key])


def _cell(at: datetime, zone: ZoneInfo) -> Cell:
    local = at.astimezone(zone)
    return Cell(local.weekday(), local.hour)


@cache
def _zone(key: str | None) -> ZoneInfo | None:
    """The zone named `key`, or None when unset or no longer in tzdata."""
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None
