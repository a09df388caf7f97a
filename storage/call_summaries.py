"""Prospects' call summaries straight from the database: the rows the cadence reads, no others.

A digest weighs every active prospect of every rep due, each with up to hundreds of calls;
reading them all into Python cost most of a tick. One windowed query per batch returns, for
each prospect, the latest call of each outcome since the latest dial, the latest email and
the calls since the last conversation, which is all `CallSummary` holds. Both databases run
it the same way (window functions are in PostgreSQL and in SQLite since 3.25).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from bot.rules.call_summary import CallSummary
from bot.rules.calls import CONVERSATIONS, OUTBOUND_DIALS, CallLog, Outcome
from storage.driver_times import DriverUTCDateTime
from storage.models import CallLogRow

_OUTCOMES = {outcome.value: outcome for outcome in Outcome}
_NEWEST_FIRST = (CallLogRow.at.desc(), CallLogRow.id.desc())
_IS_CONVERSATION = CallLogRow.outcome.in_([str(outcome) for outcome in CONVERSATIONS])
_IS_DIAL = CallLogRow.outcome.in_([str(outcome) for outcome in OUTBOUND_DIALS])
_EMAIL = Outcome.EMAIL.value


def summaries_of(
    session: Session, statement: Select[Any], params: Mapping[str, object] | None = None
) -> Iterator[tuple[int, CallSummary]]:
    """Each prospect's summary, by prospect id, from a `summary_statement` and its bound
    values: a caller asking the same shape again and again (the App Home, one rep at a time)
    builds the statement once."""
    # Fetched at once, as a row at a time costs more than turning it into a call.
    rows = session.connection().execute(statement, dict(params or {})).all()
    return _summaries(rows)


def summary_statement(
    of_teams: ColumnElement[bool], of_prospects: ColumnElement[bool]
) -> Select[Any]:
    """Per call of the prospects `of_prospects` picks, newest first within its prospect: its
    rank among calls of its outcome, how many conversations happened at or after it, and how
    many dials after it. Kept are the first of each outcome with no dial since (or an
    email), and those with no conversation since. Ties in time go by the order the calls
    were logged."""
    ranked = (
        select(
            CallLogRow.prospect_id,
            CallLogRow.id,
            CallLogRow.outcome,
            CallLogRow.at,
            CallLogRow.follow_up_at,
            func.row_number()
            .over(
                partition_by=(CallLogRow.prospect_id, CallLogRow.outcome),
                order_by=_NEWEST_FIRST,
            )
            .label("nth_of_outcome"),
            func.sum(case((_IS_CONVERSATION, 1), else_=0))
            .over(partition_by=CallLogRow.prospect_id, order_by=_NEWEST_FIRST, rows=(None, 0))
            .label("talks_since"),
            func.sum(case((_IS_DIAL, 1), else_=0))
            .over(partition_by=CallLogRow.prospect_id, order_by=_NEWEST_FIRST, rows=(None, -1))
            .label("dials_after"),
        )
        # By prospect, so the (team_id, prospect_id, at) index answers it.
        .where(of_teams, of_prospects)
        .subquery()
    )
    latest = and_(
        ranked.c.nth_of_outcome == 1,
        # No dial after it (the first row's frame is empty: NULL).
        or_(func.coalesce(ranked.c.dials_after, 0) == 0, ranked.c.outcome == _EMAIL),
    )
    since_talk = ranked.c.talks_since == 0
    # In the order the last window sorted them, so the database sorts nothing again.
    return (
        select(
            ranked.c.prospect_id,
            ranked.c.outcome,
            # Hundreds of calls per rep: their times as the driver reads them.
            type_coerce(ranked.c.at, DriverUTCDateTime()),
            type_coerce(ranked.c.follow_up_at, DriverUTCDateTime()),
            case((latest, 1), else_=0),
            case((since_talk, 1), else_=0),
        )
        .where(or_(latest, since_talk))
        .order_by(ranked.c.prospect_id, ranked.c.at.desc(), ranked.c.id.desc())
    )


def _summaries(
    rows: Iterable[tuple[int, str, datetime, datetime | None, int, int]],
) -> Iterator[tuple[int, CallSummary]]:
    """Rows newest first, prospect after prospect, to each prospect's summary: a Core row
    loop, since a tick turns hundreds of rows per rep into calls."""
    current = None
    latest: list[CallLog] = []
    since_talk: list[CallLog] = []
    for prospect_id, outcome, at, follow_up_at, is_latest, is_since_talk in rows:
        if prospect_id != current:
            if current is not None:
                yield current, _oldest_first(latest, since_talk)
            current, latest, since_talk = prospect_id, [], []
        log = CallLog(_OUTCOMES[outcome], at, follow_up_at=follow_up_at)
        if is_latest:
            latest.append(log)
        if is_since_talk:
            since_talk.append(log)
    if current is not None:
        yield current, _oldest_first(latest, since_talk)


def _oldest_first(latest: list[CallLog], since_talk: list[CallLog]) -> CallSummary:
    return CallSummary(tuple(reversed(latest)), tuple(reversed(since_talk)))
