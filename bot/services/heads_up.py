"""The "window opens now" tick: a short DM at the start of the rep's calling day when their
digest comes later and a window opens before it.

The default digest comes at 07:00, when the default calling day starts, so it lists every
window still ahead. A rep who chose a later digest time (or kept an older default, 07:30)
would read their New York prospects' before-8:30 window (7:00–7:30 on a Chicago clock) only
once it had closed. For them this tick plans the day as the digest would, from the moment
their calling day starts, and if any window opens before their digest time, says those
prospects in one DM; otherwise it sends nothing.

Cheap at any number of reps: which reps are in that stretch of their morning is decided in
Python from the digest's own recipient read; only those are claimed and planned, once per
day each (kind "heads_up" in the deliveries table, on the digest's claims and retries).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digest import build_heads_up_message
from bot.insights.digest_plan import opening_before, plan_digest
from bot.rules.public_holidays import rep_closed_days
from bot.rules.schedule import heads_up_date
from bot.services.context import EVIDENCE_REUSE
from bot.services.digest_delivery import (
    TEAMS_KEPT,
    Postbox,
    TickReport,
    claim_build_send,
    held_leases,
    pending_batches,
    worker_id,
)
from bot.services.slack_delivery import ClientForTeam
from storage import digest as store
from storage.digest import HEADS_UP, DeliveryKey, DigestRecipient
from storage.insights import EvidenceCache

POSTING_THREADS = 4
"""Heads-ups in flight at once: few reps choose a digest later than their day's start."""


def run_heads_up_tick(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    *,
    dry_run: bool = False,
    worker: str | None = None,
    evidence: EvidenceCache | None = None,
) -> TickReport:
    """Send every heads-up due at `now` (`heads_up_date`) that no tick has settled yet.

    A dry run claims nothing and posts nothing: it returns the messages that are due.
    `evidence` keeps workspaces' learned windows across ticks (the round shares the
    digest's); without it they are read once per tick.
    """
    worker = worker or worker_id()
    report = TickReport(now=now, label="heads-up")
    with session_factory() as session:
        due = {
            DeliveryKey(r.team_id, r.rep.user_id, day): r
            for r in store.digest_recipients(session)
            if (day := heads_up_date(r.schedule, r.rep.day.start, now)) is not None
        }
        taken = store.unavailable_deliveries(session, due.keys(), now, HEADS_UP)
    report.due = len(due)
    evidence = evidence or EvidenceCache(EVIDENCE_REUSE, max_teams=TEAMS_KEPT)

    def build(keys: Sequence[DeliveryKey]) -> dict[DeliveryKey, dict[str, object]]:
        return _build(session_factory, evidence, keys, due, now)

    sender = (
        None
        if dry_run
        else Postbox(
            session_factory, client_for_team, worker, now, report, POSTING_THREADS, HEADS_UP
        )
    )
    with (
        nullcontext() if dry_run else held_leases(session_factory, worker),
        sender or nullcontext(),
    ):
        claim_build_send(
            session_factory,
            pending_batches(due.keys(), taken),
            build,
            sender,
            report,
            worker,
            now,
            preview=lambda message: message,
            kind=HEADS_UP,
        )
    return report


def _build(
    session_factory: sessionmaker[Session],
    evidence: EvidenceCache,
    keys: Sequence[DeliveryKey],
    due: dict[DeliveryKey, DigestRecipient],
    now: datetime,
) -> dict[DeliveryKey, dict[str, object]]:
    """The heads-up per rep, or an empty dict when no window opens before their digest."""
    with session_factory() as session:
        inputs = store.digest_inputs(session, [(k.team_id, k.rep_user_id) for k in keys], now)
        advisors = {
            key: evidence.evidence(session, key.team_id, now).advisor(key.rep_user_id)
            for key in keys
        }
    messages: dict[DeliveryKey, dict[str, object]] = {}
    for key in keys:
        recipient = due[key]
        rep_inputs = inputs[(key.team_id, key.rep_user_id)]
        rep_tz = ZoneInfo(recipient.rep.tz)
        plan = plan_digest(
            rep_tz=rep_tz,
            now=now,
            prospects=rep_inputs.prospects,
            owed_calls=rep_inputs.owed_calls,
            rules=rep_inputs.rules,
            advisor=advisors[key],
            rep_day=recipient.rep.day,
            rep_closed=rep_closed_days(recipient.rep),
        )
        digest_at = datetime.combine(key.local_date, recipient.schedule.at, tzinfo=rep_tz)
        early = opening_before(plan, digest_at)
        messages[key] = {} if early.is_empty else build_heads_up_message(early, digest_at)
    return messages
