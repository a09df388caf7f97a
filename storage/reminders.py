"""Reminder storage: which follow-ups and owed return calls reach their minute, and snoozes.

A tick reads only rows whose minute falls in the last LATE_LIMIT: two indexed range reads,
however many prospects the workspaces hold. Sending once is the deliveries table's claim,
shared with the digest (`storage.digest.claim_deliveries`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.rules.calls import Outcome, ProspectStatus
from bot.rules.reminders import (
    LATE_LIMIT,
    RETURN_CALL_WARNING,
    Reminder,
    ReminderKind,
    return_call_reminder_at,
)
from bot.rules.schedule import ScheduleError, parse_digest_days
from storage import queries
from storage.models import CallLogRow, OwedReturnCallRow, ProspectRow, RepRow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepReminder:
    """A reminder with what the tick needs to decide on it: the rep's clock and days, and
    when the prospect was last called."""

    team_id: str
    rep_user_id: str
    rep_tz: ZoneInfo
    rep_days: frozenset[int]
    reminder: Reminder
    last_call_at: datetime | None


def due_reminders(session: Session, now: datetime) -> list[RepReminder]:
    """Every reminder whose minute is in (now - LATE_LIMIT, now], in every workspace, for
    reps who have reminders on, of active prospects that are not snoozed."""
    earliest = now - LATE_LIMIT
    rep_join = and_(RepRow.team_id == ProspectRow.team_id, RepRow.user_id == ProspectRow.owner_id)
    callable_prospect = and_(
        RepRow.reminders.is_(True),
        ProspectRow.status == ProspectStatus.ACTIVE,
        or_(ProspectRow.snoozed_until.is_(None), ProspectRow.snoozed_until <= now),
    )
    found: list[tuple[RepRow, Reminder]] = []
    for prospect, rep in session.execute(
        select(ProspectRow, RepRow)
        .join(RepRow, rep_join)
        .where(
            callable_prospect,
            ProspectRow.follow_up_at > earliest,
            ProspectRow.follow_up_at <= now,
        )
    ):
        reminder = Reminder(
            ReminderKind.FOLLOW_UP,
            queries.to_prospect(prospect),
            at=prospect.follow_up_at,  # type: ignore[arg-type]
            target_id=prospect.id,
        )
        found.append((rep, reminder))
    for owed, called_at, prospect, rep in session.execute(
        select(OwedReturnCallRow, CallLogRow.at, ProspectRow, RepRow)
        .join(ProspectRow, ProspectRow.id == OwedReturnCallRow.prospect_id)
        .join(CallLogRow, CallLogRow.id == OwedReturnCallRow.inbound_call_id)
        .join(RepRow, rep_join)
        .where(
            callable_prospect,
            OwedReturnCallRow.team_id == ProspectRow.team_id,
            OwedReturnCallRow.rep_user_id == ProspectRow.owner_id,
            OwedReturnCallRow.returned_at.is_(None),
            or_(
                and_(
                    OwedReturnCallRow.remind_at > earliest,
                    OwedReturnCallRow.remind_at <= now,
                ),
                and_(
                    OwedReturnCallRow.remind_at.is_(None),
                    OwedReturnCallRow.due_at > earliest + RETURN_CALL_WARNING,
                    OwedReturnCallRow.due_at <= now + RETURN_CALL_WARNING,
                ),
            ),
        )
    ):
        reminder = Reminder(
            ReminderKind.RETURN_CALL,
            queries.to_prospect(prospect),
            at=return_call_reminder_at(owed.due_at, owed.remind_at),
            target_id=owed.id,
            called_at=called_at,
            due_at=owed.due_at,
        )
        found.append((rep, reminder))
    teams = {rep.team_id for rep, _ in found}
    ids = {r.prospect.id for _, r in found if r.prospect.id}
    last_calls = _last_calls(session, teams, ids)
    meetings = _meetings(session, teams, ids)
    found = [
        (rep, replace(r, meeting=True) if (r.prospect.id, r.at) in meetings else r)
        for rep, r in found
    ]
    reminders = []
    for rep, reminder in found:
        try:
            rep_tz, rep_days = ZoneInfo(rep.tz), parse_digest_days(rep.digest_days)
        except (ZoneInfoNotFoundError, ScheduleError, ValueError) as problem:
            logger.warning("reminders of %s/%s unusable: %s", rep.team_id, rep.user_id, problem)
            continue
        reminders.append(
            RepReminder(
                rep.team_id,
                rep.user_id,
                rep_tz,
                rep_days,
                reminder,
                last_calls.get(reminder.prospect.id),  # type: ignore[arg-type]
            )
        )
    return reminders


def _meetings(
    session: Session, teams: set[str], prospect_ids: set[int]
) -> set[tuple[int, datetime]]:
    """(prospect, time) of every booked meeting: a follow-up at one is the meeting itself."""
    if not prospect_ids:
        return set()
    return {
        (prospect_id, at)
        for prospect_id, at in session.execute(
            select(CallLogRow.prospect_id, CallLogRow.follow_up_at).where(
                CallLogRow.team_id.in_(teams),
                CallLogRow.prospect_id.in_(prospect_ids),
                CallLogRow.outcome == Outcome.MEETING.value,
                CallLogRow.follow_up_at.is_not(None),
            )
        )
    }


def _last_calls(session: Session, teams: set[str], prospect_ids: set[int]) -> dict[int, datetime]:
    if not prospect_ids:
        return {}
    return {
        prospect_id: at
        for prospect_id, at in session.execute(
            select(CallLogRow.prospect_id, func.max(CallLogRow.at))
            .where(CallLogRow.team_id.in_(teams), CallLogRow.prospect_id.in_(prospect_ids))
            .group_by(CallLogRow.prospect_id)
        )
    }


def set_reminders(session: Session, team_id: str, user_id: str, on: bool) -> None:
    """The rep's row must exist (queries.ensure_rep)."""
    session.execute(
        update(RepRow)
        .where(RepRow.team_id == team_id, RepRow.user_id == user_id)
        .values(reminders=on)
        .execution_options(synchronize_session=False)
    )


def snooze_return_call_reminder(
    session: Session, team_id: str, rep_user_id: str, owed_id: int, until: datetime
) -> ProspectRow | None:
    """Move the reminder of the rep's own open owed call; None (nothing written) otherwise."""
    owed = session.scalars(
        select(OwedReturnCallRow).where(
            OwedReturnCallRow.team_id == team_id,
            OwedReturnCallRow.rep_user_id == rep_user_id,
            OwedReturnCallRow.id == owed_id,
            OwedReturnCallRow.returned_at.is_(None),
        )
    ).one_or_none()
    if owed is None:
        return None
    owed.remind_at = until
    session.flush()
    return queries.own_prospect(session, team_id, rep_user_id, owed.prospect_id)
