"""The once-a-minute tick inside `serve`, `socket` and `console`: daily digests, the
Friday weekly pictures, reminders, whatever else the runtime hands in (the CRM outbox and
pull), then forgetting replay claims nothing can replay any more.

Every process that serves Slack also ticks, so a deployment needs no separate cron; many
processes ticking at once is safe because each rep's day (or week) is claimed in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.services.digest_delivery import ClientForTeam, run_digest_tick
from bot.services.reminders import run_reminder_tick
from bot.services.weekly_delivery import run_weekly_tick
from bot.storage import queries

logger = logging.getLogger(__name__)

DIGEST_JOB = "daily-digest"
TICKS = (run_digest_tick, run_weekly_tick, run_reminder_tick)
"""What each minute runs, in order: `phonetag digest`, the console's clock and the
in-process scheduler all run these."""
CLAIMS_KEPT = timedelta(days=1)
"""Slack stops retrying an event within the hour and a signature is refused after five
minutes; a day leaves room for clocks that disagree."""


def start_digest_scheduler(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    more_ticks: Sequence[Callable[[sessionmaker[Session], ClientForTeam, datetime], Any]] = (),
) -> BackgroundScheduler:
    """Tick at the top of every minute on a background thread; the caller shuts it down.

    One tick at a time per process (a slow tick is not stacked on), and a tick missed while
    the process was busy is run once, late, rather than skipped: "due" lasts all day.
    """

    def tick() -> None:
        now = clock()
        for run in (*TICKS, *more_ticks):
            report = run(session_factory, client_for_team, now)
            if report.acted:
                logger.info(report.summary())
        forget_old_claims(session_factory, now)

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        CronTrigger(second=0, timezone=UTC),
        id=DIGEST_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    return scheduler


def forget_old_claims(session_factory: sessionmaker[Session], now: datetime) -> int:
    """One indexed DELETE a minute keeps processed_events at about a day of requests."""
    with session_factory.begin() as session:
        return queries.forget_processed_events(session, now - CLAIMS_KEPT)
