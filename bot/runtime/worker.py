"""`phonetag worker`: the minute's ticks in a process of their own.

A 10,000-rep morning is minutes of Python building and posting digests; in `serve` it would
take the GIL from the threads answering reps. The worker runs each round at the top of the
minute (a round that overruns starts the next one at once, never two at a time) until it is
told to stop; `--once` runs one round and exits, for cron.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from threading import Event

from bot.config import Settings
from bot.runtime.app import open_database
from bot.runtime.ticks import Tick, minute_ticks, run_round
from bot.services.digest_delivery import team_web_clients
from bot.storage.db import make_session_factory

logger = logging.getLogger(__name__)


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    stop: Event | None = None,
    ticks: dict[str, Tick] | None = None,
) -> int:
    """Exit status: 0, or 1 when `once` and a tick failed."""
    engine = open_database(settings)
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    ticks = ticks if ticks is not None else minute_ticks(settings)
    if once:
        return 0 if run_round(ticks, session_factory, clients, clock()) else 1
    stop = stop or _stopped_by_signals()
    logger.info("worker running %s every minute", ", ".join(ticks))
    while not stop.is_set():
        run_round(ticks, session_factory, clients, clock())
        stop.wait(60 - time.time() % 60)
    logger.info("worker stopped")
    engine.dispose()
    return 0


def _stopped_by_signals() -> Event:
    """SIGTERM (a deploy) or Ctrl-C lets the round in progress finish, then stops."""
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
