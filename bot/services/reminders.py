"""One reminder tick: DM every follow-up and owed return call whose minute has come.

Run by the same minute tick as the digest, and sent once the same way: each reminder is
claimed in the deliveries table under its own name (`Reminder.claim_name`) before it is
posted, so any number of ticks on any number of hosts send it once. A failed or uncertain
post is retried with the digest's growing waits while the reminder is still due (an hour),
an uncertain one only once its DM shows it did not land (`post_once`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.reminders import build_reminder_message
from bot.rules.reminders import should_send
from bot.services.digest_delivery import TickReport, held_leases, worker_id
from bot.services.slack_delivery import ClientForTeam, post_once, post_to_dm
from storage import digest as delivery_store
from storage import reminders as store
from storage.digest import DeliveryKey


@dataclass(frozen=True, order=True)
class ReminderKey(DeliveryKey):
    """A rep's day and which reminder on it: a rep may have several in a day."""

    name: str = ""


def run_reminder_tick(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    *,
    dry_run: bool = False,
    worker: str | None = None,
) -> TickReport:
    """Send every reminder due at `now` that no tick has sent yet; a dry run sends nothing
    and returns the messages that are due."""
    worker = worker or worker_id()
    report = TickReport(now=now, label="reminder")
    with session_factory() as session:
        candidates = store.due_reminders(session, now)
    with held_leases(session_factory, worker):
        _send_due(session_factory, client_for_team, candidates, now, worker, report, dry_run)
    return report


def _send_due(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    candidates: list[store.RepReminder],
    now: datetime,
    worker: str,
    report: TickReport,
    dry_run: bool,
) -> None:
    for due in candidates:
        if not should_send(due.reminder, now, due.rep_tz, due.rep_days, due.last_call_at):
            continue
        report.due += 1
        local_date, name = due.reminder.claim_name(due.rep_tz)
        key = ReminderKey(due.team_id, due.rep_user_id, local_date, name)
        message = build_reminder_message(due.reminder, due.rep_tz)
        if dry_run:
            report.previews[key] = message
            continue
        claim = DeliveryKey(due.team_id, due.rep_user_id, local_date)
        with session_factory.begin() as session:
            claimed = delivery_store.claim_deliveries(session, [claim], worker, now, kind=name)
        if not claimed.won:
            continue
        posted = post_once(
            session_factory,
            claim,
            worker,
            now,
            client_for_team,
            lambda client, claim=claim, message=message, name=name: post_to_dm(
                client, claim, message, name
            ),
            kind=name,
            in_doubt=claim in claimed.in_doubt,
        )
        if posted is not None:
            report.add(posted.status, key)
