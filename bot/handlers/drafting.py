"""Drafting a script for one of the rep's prospects: the service /vmscript (and any button
that asks for a draft) calls inside its own transaction.

It reads the prospect's calls and what was already said to them, lets the cadence turn a
voicemail into an email once calls are not getting through, drafts, and records the draft
so the next one reveals a new fact. Nothing is written when no draft can be made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.drafts.scripts import (
    Draft,
    DraftKind,
    IncompleteProfile,
    draft_email,
    draft_screener,
    draft_voicemail,
    draft_wrong_number,
)
from bot.grammar.vmscript import DraftRequest
from bot.insights.rates import area_segment
from bot.rules.cadence import CadenceRules, NextStep, cadence_state
from bot.rules.calls import Prospect, Rep
from bot.rules.public_holidays import closed_days
from bot.storage import insights as insights_store
from bot.storage import queries
from bot.storage import scripts as script_store


class CannotDraft(Exception):
    """Why no draft was made, in words for the rep; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    if request.kind is DraftKind.WRONG:
        draft = _guarded(lambda: draft_wrong_number(rep))
        script_store.record_draft(session, team_id, rep.user_id, None, draft, now)
        return ComposedDraft(draft, None, None, False, 0)

    name = request.prospect_name or ""
    row = queries.find_prospect(session, team_id, rep.user_id, name, None)
    if row is None:
        raise CannotDraft(
            f"You have no prospect named “{name}”. Log a call first"
            f" (/logcall {name} vm phone:…) or add them with /prospect add {name}."
            " Draft kinds go last: voicemail, screener, email, wrong."
        )
    prospect = queries.to_prospect(row)
    closed = closed_days(prospect)
    rules = CadenceRules.from_mapping(queries.workspace(session, team_id, now).cadence_rules)
    history = queries.call_history(session, team_id, row.id)
    state = cadence_state(history, prospect.deal_value, now, rep_tz, rules, closed)
    if state.next_step is NextStep.CLOSED:
        raise CannotDraft(f"{prospect.name}: {state.rule}")
    switched = not request.kind_given and state.next_step is NextStep.EMAIL
    kind = DraftKind.EMAIL if switched else request.kind
    # The time proposed is the one the digest would pick: the best-ranked window on the
    # prospect's next day with one open, after any lay-off.
    advisor = insights_store.window_evidence(session, team_id, now).advisor(rep.user_id)
    advised = advisor.advise(
        prospect.zone(rep_tz),
        area_segment(prospect.tz),
        max(now, state.laid_off_until or now),
        closed=closed,
    )
    assert advised is not None, "three weeks always hold a working day with a window"
    window = advised.window
    facts = script_store.list_facts(session, team_id, rep.user_id)
    used = script_store.used_facts(session, team_id, rep.user_id, row.id)
    if kind is DraftKind.SCREENER:
        draft = _guarded(lambda: draft_screener(rep, prospect, window, now))
    elif kind is DraftKind.EMAIL:
        draft = _guarded(lambda: draft_email(rep, prospect, window, now, facts, used))
    else:
        draft = _guarded(lambda: draft_voicemail(rep, prospect, window, now, facts, used))
    script_store.record_draft(session, team_id, rep.user_id, row.id, draft, now)
    return ComposedDraft(draft, prospect, state.rule, switched, len(facts))


def _guarded(write: Callable[[], Draft]) -> Draft:
    """Every message carries the rep's name and number; say how to add what's missing."""
    try:
        return write()
    except IncompleteProfile as missing:
        raise CannotDraft(
            f"Before I can write it, {missing} — or type /vmscript profile for a form."
        ) from None
