"""The stored standing against the one worked out from every call, through the real writes.

Random histories (seeded, so a failure replays) are written the way the app writes them:
calls logged (some after the fact), undone, follow-ups set, snoozes, edits, the rep moving
zone and the workspace changing its rules, with time passing between, and the digest
writing back what it worked out. At instants after each step, every prospect whose stored
standing is known and not yet due must have exactly the standing worked out from its whole
history at that instant; and the digest read from the stored standing must be the digest
planned the old way, from every prospect and every call.
"""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.blocks.digest import SHOWN_AT_MOST, build_digest_message
from bot.grammar.logcall import LogCallRequest
from bot.insights.digest_plan import PURSUED_STATUSES, OwedCall, ProspectHistory, plan_digest
from bot.insights.rates import TeamDials
from bot.insights.standing import Standing, standing_of
from bot.insights.window_advice import WindowAdvisor
from bot.rules.cadence import CadenceRules
from bot.rules.calls import Outcome, ProspectStatus
from bot.rules.prospects import ProspectFields
from bot.rules.relationship import Stage
from storage import digest as digest_store
from storage import insights as insights_store
from storage import logbook, prospects, queries
from storage import standing as standing_store
from storage.db import make_session_factory
from storage.logbook import UndoRefused
from storage.models import CallLogRow, OwedReturnCallRow, ProspectRow

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # a Monday morning in the Americas
ZONES = ("America/Chicago", "America/New_York", "Europe/London", "Asia/Kolkata")
PROSPECT_ZONES = (None, "America/Denver", "America/New_York", "Europe/Berlin")
NAMES = ("Ada Moss", "Ben Ortiz", "Cy Young")
OUTCOMES = tuple(Outcome)
ADVISOR = WindowAdvisor(TeamDials(), learning=False)


def test_stored_standing_is_the_one_worked_out_from_every_call(engine: Engine) -> None:
    factory = make_session_factory(engine)
    for seed in range(10):
        _replay(factory, random.Random(seed), team=f"T{seed}")


def _replay(factory, rng: random.Random, team: str) -> None:  # type: ignore[no-untyped-def]
    user = "U1"
    zone = rng.choice(ZONES)
    now = START + timedelta(hours=rng.randrange(0, 24 * 7))
    with factory.begin() as session:
        queries.ensure_rep(session, team, user, zone, "Rep", now)
    logged: list[tuple[int, datetime]] = []
    for _ in range(18):
        now += timedelta(minutes=rng.choice((1, 5, 30, 60 * 3, 60 * 20, 60 * 24 * 3, 60 * 24 * 11)))
        with factory.begin() as session:
            zone = _step(session, rng, team, user, zone, now, logged)
        for later in (now, now + timedelta(hours=rng.randrange(1, 30)), now + timedelta(days=4)):
            with factory() as session:
                _check(session, team, user, ZoneInfo(zone), later)
        if rng.random() < 0.4:
            _digest_writes_back(factory, team, user, ZoneInfo(zone), now)


def _step(  # type: ignore[no-untyped-def]
    session: Session,
    rng: random.Random,
    team: str,
    user: str,
    zone: str,
    now: datetime,
    logged: list[tuple[int, datetime]],
) -> str:
    """One write, as the app makes it; returns the rep's zone afterwards."""
    rep_tz = ZoneInfo(zone)
    ids = session.scalars(
        select(ProspectRow.id).where(ProspectRow.team_id == team).order_by(ProspectRow.id)
    ).all()
    action = rng.random()
    if action < 0.6 or not ids:
        outcome = rng.choice(OUTCOMES)
        follow_up = None
        if outcome is Outcome.MEETING or rng.random() < 0.25:
            follow_up = now + timedelta(hours=rng.randrange(-20, 24 * 6))
        called_at = now - timedelta(hours=rng.randrange(1, 72)) if rng.random() < 0.15 else None
        request = LogCallRequest(
            prospect_name=rng.choice(NAMES),
            outcome=outcome,
            tz=rng.choice(PROSPECT_ZONES),
            deal_value=rng.choice((None, 800, 12_000, 150_000)),
            phone=rng.choice((None, "+13125550100", "+441632960961")),
        )
        call = logbook.log_call(
            session,
            team,
            user,
            request,
            follow_up,
            now,
            called_at=called_at,
            push_to_crm=False,
            rep_tz=rep_tz,
        )
        logged.append((call.call_id, now))
    elif action < 0.68 and logged:
        call_id, _ = logged.pop()
        with suppress(UndoRefused):
            logbook.undo_call(session, team, user, call_id, now)
    elif action < 0.76:
        until = now + timedelta(hours=rng.randrange(1, 24 * 5)) if rng.random() < 0.8 else None
        prospects.snooze(session, team, user, rng.choice(ids), until)
    elif action < 0.84:
        at = now + timedelta(hours=rng.randrange(-10, 24 * 4)) if rng.random() < 0.8 else None
        logbook.set_follow_up(session, team, user, rng.choice(ids), at)
    elif action < 0.92:
        row = session.get(ProspectRow, rng.choice(ids))
        assert row is not None
        fields = ProspectFields(
            name=row.name,
            phone=row.phone,
            tz=row.tz,
            deal_value=rng.choice((None, 500, 40_000)),
            status=ProspectStatus(row.status),
        )
        prospects.update_prospect(session, team, user, row.id, fields)
    elif action < 0.96:
        zone = rng.choice(ZONES)
        queries.follow_slack_profile(session, team, user, zone, "Rep")
    else:
        insights_store.set_currency(session, team, rng.choice(("USD", "EUR")), now)
    return zone


def _digest_writes_back(factory, team: str, user: str, rep_tz: ZoneInfo, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """What the digest tick does with the standings it had to work out."""
    with factory() as session:
        inputs = digest_store.digest_inputs(session, [(team, user)], now)
    worked_out = digest_store.worked_out_standings(inputs, {(team, user): rep_tz}, now)
    with factory.begin() as session:
        standing_store.write_back(session, worked_out)


def _check(session: Session, team: str, user: str, rep_tz: ZoneInfo, at: datetime) -> None:
    rules = prospects.workspace_rules(session, team)
    rows = session.scalars(select(ProspectRow).where(ProspectRow.team_id == team)).all()
    everyone = []
    for row in rows:
        prospect = queries.to_prospect(row)
        history = queries.call_history(session, team, row.id)
        everyone.append(ProspectHistory(prospect, history))
        if row.stage is None or (row.due_at is not None and row.due_at <= at):
            continue  # not known, or due: the digest reads it and works it out again
        stored = Standing(Stage(row.stage), row.due_at, standing_store.listing_of(row))
        assert stored == standing_of(prospect, history, at, rep_tz, rules), (row.name, at)
    assert _digest(session, team, user, rep_tz, at) == _old_digest(
        session, team, user, rep_tz, at, everyone, rules
    )


def _digest(session: Session, team: str, user: str, rep_tz: ZoneInfo, at: datetime) -> object:
    """As the tick plans it: placed by stored listings, the rule worked out for those shown."""
    plan = digest_store.rep_digest_plan(
        session, team, user, rep_tz, at, ADVISOR, states_for=SHOWN_AT_MOST
    )
    return build_digest_message(plan)


def _old_digest(  # type: ignore[no-untyped-def]
    session: Session,
    team: str,
    user: str,
    rep_tz: ZoneInfo,
    at: datetime,
    everyone: list[ProspectHistory],
    rules: CadenceRules,
) -> object:
    """Every pursued, unsnoozed prospect with every call, as the digest read before."""
    pursued = {
        item.prospect.id: item
        for item in everyone
        if item.prospect.status in PURSUED_STATUSES
        and (item.prospect.snoozed_until is None or item.prospect.snoozed_until <= at)
    }
    owed = session.execute(
        select(OwedReturnCallRow.prospect_id, CallLogRow.at, OwedReturnCallRow.due_at)
        .join(CallLogRow, CallLogRow.id == OwedReturnCallRow.inbound_call_id)
        .where(
            OwedReturnCallRow.team_id == team,
            OwedReturnCallRow.rep_user_id == user,
            OwedReturnCallRow.returned_at.is_(None),
        )
        .order_by(OwedReturnCallRow.id)
    ).all()
    owed_calls = [
        OwedCall(pursued[prospect_id].prospect, called_at, due_at)
        for prospect_id, called_at, due_at in owed
        if prospect_id in pursued
    ]
    return build_digest_message(
        plan_digest(
            rep_tz=rep_tz,
            now=at,
            prospects=list(pursued.values()),
            owed_calls=owed_calls,
            rules=rules,
            advisor=ADVISOR,
        )
    )
