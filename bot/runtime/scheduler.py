"""The once-a-minute tick inside `serve`, `socket` and `console`, for a deployment without
`phonetag worker` (one box, SQLite): the rounds of `bot.runtime.ticks` (daily digests, the
Friday weekly pictures, reminders, the CRM outbox and pull, pruning old rows), and beside
them in `serve` and `socket` the App Home redraw loop (`bot.runtime.home_redraws`).

Many processes ticking at once is safe because each rep's day (or week) is claimed in the
database; with a worker configured (PHONETAG_WORKER=separate) `serve` and `socket` leave the
ticks to it and spend their CPU on requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Event

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.home_redraws import start_home_redraws
from bot.runtime.ticks import Tick, minute_ticks, run_round
from bot.services.context import Services
from bot.services.retention import forget_old_claims
from bot.services.slack_delivery import ClientForTeam, team_web_clients
from storage.db import make_session_factory

logger = logging.getLogger(__name__)

DIGEST_JOB = "daily-digest"
__all__ = [
    "DIGEST_JOB",
    "InProcessWork",
    "forget_old_claims",
    "start_digest_scheduler",
    "start_ticks",
]


@dataclass(frozen=True)
class InProcessWork:
    """The minute's ticks and the App Home redraw loop of a process without a worker."""

    scheduler: BackgroundScheduler
    home_redraws: Event

    def shutdown(self) -> None:
        self.home_redraws.set()
        self.scheduler.shutdown(wait=False)


def start_ticks(settings: Settings, engine: Engine, services: Services) -> InProcessWork | None:
    """`serve` and `socket` tick and redraw App Homes in process (with the listeners'
    `services`) unless `phonetag worker` does it for them."""
    if settings.separate_worker:
        logger.info("ticks and App Home redraws left to phonetag worker (PHONETAG_WORKER)")
        return None
    clients = team_web_clients(settings, engine)
    return InProcessWork(
        start_digest_scheduler(make_session_factory(engine), clients, ticks=minute_ticks(settings)),
        start_home_redraws(services, clients),
    )


def start_digest_scheduler(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ticks: Mapping[str, Tick] | None = None,
) -> BackgroundScheduler:
    """Tick at the top of every minute on a background thread; the caller shuts it down.

    One tick at a time per process (a slow tick is not stacked on), and a tick missed while
    the process was busy is run once, late, rather than skipped: "due" lasts all day.
    """
    ticks = ticks if ticks is not None else minute_ticks(Settings())

    def tick() -> None:
        run_round(ticks, session_factory, client_for_team, clock())

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
