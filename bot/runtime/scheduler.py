"""The once-a-minute tick inside `serve`, `socket` and `console`: daily digests, the
Friday weekly pictures, reminders, then whatever else the runtime hands in (the CRM outbox
and pull).

Every process that serves Slack also ticks, so a deployment needs no separate cron; many
processes ticking at once is safe because each rep's day (or week) is claimed in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.services.digest_delivery import ClientForTeam, run_digest_tick
from bot.services.reminders import run_reminder_tick
from bot.services.weekly_delivery import run_weekly_tick

logger = logging.getLogger(__name__)

DIGEST_JOB = "daily-digest"
TICKS = (run_digest_tick, run_weekly_tick, run_reminder_tick)
"""What each minute runs, in order: `phonetag digest`, the console's clock and the
in-process scheduler all run these."""


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
