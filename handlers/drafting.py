"""Drafting a script for one of the rep's prospects: the service /vmscript (and any button
that asks for a draft) calls inside its own transaction.

It reads the prospect's calls and what was already said to them, lets the cadence turn a
voicemail into an email once calls are not getting through, drafts, and records the draft
so the next one reveals a new fact. Nothing is written when no draft can be made.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.drafts.scripts import (
    Draft,
    DraftKind,
    IncompleteProfile,
    Proposal,
    draft_email,
    draft_misdial,
    draft_screener,
    draft_voicemail,
    draft_wrong_number,
    refusal,
)
from bot.grammar.vmscript import DraftRequest
from bot.insights.rates import CANDIDATE_WINDOWS, area_segment
from bot.insights.window_advice import WindowAdvisor
from bot.rules.cadence import CadenceRules, NextStep, cadence_state
from bot.rules.calls import CallWindow, DeskHours, Prospect, Rep
from bot.rules.proposals import earliest_proposal, next_desk_time, slot_in
from bot.rules.public_holidays import closed_days, rep_closed_days
from bot.rules.relationship import Relationship, Stage, next_business_day, relationship
from bot.rules.windows import DAYS_AHEAD, kept_by_both, part_of_day
from storage import insights as insights_store
from storage import queries
from storage import scripts as script_store


class CannotDraft(Exception):
    """Why no draft was made, in words for the rep; nothing was stored.

    `usage` is False when the request was understood and the answer is simply "not for this
    prospect" (a closed one, a wrong number): one line, without the command's help."""

    def __init__(self, message: str, *, usage: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


@dataclass(frozen=True)
class ComposedDraft:
    draft: Draft
    prospect: Prospect | None
    cadence_rule: str | None
    switched_to_email: bool
    facts_total: int


def compose_draft(
    session: Session,
    team_id: str,
    rep: Rep,
    rep_tz: ZoneInfo,
    request: DraftRequest,
    now: datetime,
) -> ComposedDraft:
    """Draft what `request` asks for and record it. Raises CannotDraft."""
    if request.kind is DraftKind.WRONG or (
        request.kind is DraftKind.MISDIAL and request.prospect_name is None
    ):
        stranger = draft_wrong_number if request.kind is DraftKind.WRONG else draft_misdial
        draft = _guarded(lambda: stranger(rep))
        script_store.record_draft(session, team_id, rep.user_id, None, draft, now)
        return ComposedDraft(draft, None, None, False, 0)

    name = request.prospect_name or ""
    row = queries.find_prospect(session, team_id, rep.user_id, name, None)
    if row is None:
        raise CannotDraft(
            f"You have no prospect named “{name}”. Log a call first"
            f" (/logcall {name} vm phone:…) or add them with /prospect add {name}."
            " Draft kinds go last: voicemail, screener, email, wrong, misdial."
        )
    prospect = queries.to_prospect(row)
    closed = closed_days(prospect)
    rules = CadenceRules.from_mapping(queries.workspace(session, team_id, now).cadence_rules)
    history = queries.call_history(session, team_id, row.id)
    state = cadence_state(history, prospect.deal_value, now, rep_tz, rules, closed)
    standing = relationship(prospect, history, now, rep_tz, rules, closed, state)
    if (instead := refusal(request.kind, standing)) is not None:
        raise CannotDraft(f"{prospect.name}: {instead}", usage=False)
    if request.kind is DraftKind.MISDIAL:
        # Said to a stranger, not to the prospect: nothing about them is revealed but a name.
        draft = _guarded(lambda: draft_misdial(rep, prospect))
        script_store.record_draft(session, team_id, rep.user_id, None, draft, now)
        return ComposedDraft(draft, prospect, None, False, 0)
    switched = not request.kind_given and state.next_step is NextStep.EMAIL
    kind = DraftKind.EMAIL if switched else request.kind
    facts = script_store.list_facts(session, team_id, rep.user_id)
    used = script_store.used_facts(session, team_id, rep.user_id, row.id)
    if kind is DraftKind.SCREENER:
        draft = _guarded(lambda: draft_screener(rep, prospect, standing))
    else:
        advisor = insights_store.window_evidence(session, team_id, now).advisor(rep.user_id)
        proposal = plan_proposal(
            advisor, rep, prospect, rep_tz, standing, closed, email=kind is DraftKind.EMAIL
        )
        if kind is DraftKind.EMAIL:
            draft = _guarded(lambda: draft_email(rep, prospect, proposal, facts, used, standing))
        else:
            draft = _guarded(
                lambda: draft_voicemail(rep, prospect, proposal, facts, used, standing)
            )
    script_store.record_draft(session, team_id, rep.user_id, row.id, draft, now)
    return ComposedDraft(draft, prospect, state.rule, switched, len(facts))


def plan_proposal(
    advisor: WindowAdvisor,
    rep: Rep,
    prospect: Prospect,
    rep_tz: ZoneInfo,
    standing: Relationship,
    closed: Container[date],
    *,
    email: bool = False,
) -> Proposal:
    """The times a message proposes: the one the rep set, or the best-ranked windows the
    digest would pick that both sides can keep (the prospect's window inside the rep's
    working day, on a working day for both), never within two business hours and never
    before a meeting or the agreed follow-up day; then a second one on another day, for an
    email to offer both.

    A voicemail also waits out a lay-off or rest, and is itself today's try: it proposes a
    later business day, at another part of the day. An email offers times within the week:
    a time they accept by email is a call they expect (during a rest it offers none)."""
    now = standing.now
    zone = prospect.zone(rep_tz)
    segment = area_segment(prospect.tz)
    waits = [earliest_proposal(now, zone, closed)]
    if standing.stage is not Stage.OWED_RETURN_CALL:
        waits.append(standing.cadence.not_before)
    avoid = None
    if not email:
        # The voicemail is itself today's try: the time it promises is the next one, on a
        # later business day and at another part of the day ("not 10 messages a day").
        waits += [
            standing.cadence.laid_off_until,
            standing.earliest_call,
            next_business_day(now, zone, closed),
        ]
        avoid = part_of_day(now.astimezone(zone))
    after = max(moment for moment in waits if moment is not None)
    shared = _Shared(rep_tz, rep.day, rep_closed_days(rep), closed)
    if prospect.follow_up_at is not None and prospect.follow_up_at >= after:
        first = slot_in(_window_at(prospect.follow_up_at, zone), prospect.follow_up_at)
    else:
        first = _advised_slot(advisor, zone, segment, after, shared, avoid)
    next_day = datetime.combine(first.date() + timedelta(days=1), time(0), tzinfo=zone)
    second = _advised_slot(advisor, zone, segment, next_day, shared, None)
    desk = next_desk_time(rep.desk_hours, rep_tz, now) if rep.desk_hours else None
    return Proposal(now=now, slots=(first, second), desk=desk)


@dataclass(frozen=True)
class _Shared:
    """What a proposed time must suit besides the prospect's window: the rep's day."""

    rep_tz: ZoneInfo
    rep_day: DeskHours
    rep_closed: Container[date]
    closed: Container[date]


def _advised_slot(
    advisor: WindowAdvisor,
    zone: ZoneInfo,
    segment: str,
    after: datetime,
    shared: _Shared,
    avoid: str | None,
) -> datetime:
    """The first quarter hour at or after `after` in the best window still open then that
    both sides can keep, at another part of the day than `avoid` when there is one."""
    labels = {spec.label for spec in CANDIDATE_WINDOWS if part_of_day(spec.start) == avoid}
    for _ in range(3 * DAYS_AHEAD):
        advised = advisor.advise(zone, segment, after, closed=shared.closed, avoid=labels)
        assert advised is not None, "three weeks always hold a working day with a window"
        kept = kept_by_both(advised.window, shared.rep_tz, shared.rep_day, shared.rep_closed)
        if kept is not None:
            try:
                return slot_in(kept, after)
            except ValueError:
                pass
        after = advised.window.end
    # A prospect whose every window lies in the rep's night: their first window it is.
    advised = advisor.advise(zone, segment, after, closed=shared.closed)
    assert advised is not None
    return slot_in(advised.window, after)


def _window_at(at: datetime, zone: ZoneInfo) -> CallWindow:
    """The quarter hour the rep chose, as a window of its own."""
    local = at.astimezone(zone)
    return CallWindow(local, local + timedelta(minutes=15), "as set", zone.key)


def _guarded(write: Callable[[], Draft]) -> Draft:
    """Every message carries the rep's name and number; say how to add what's missing."""
    try:
        return write()
    except IncompleteProfile as missing:
        raise CannotDraft(
            f"Before I can write it, {missing} — or type /vmscript profile for a form."
        ) from None
