"""`phonetag worker`: the minute's ticks in a process of their own.

A 10,000-rep morning is minutes of Python building and posting digests; in `serve` it would
take the GIL from the threads answering reps. The worker runs each round at the top of the
minute (a round that overruns starts the next one at once, never two at a time) until it is
told to stop; `--once` runs one round and exits, for cron.

Beside the rounds, on a thread of its own, it redraws the App Homes that `serve` left for it
(`bot.runtime.home_redraws`), and with PHONETAG_METRICS_PORT (or `--metrics-port`) it
serves `GET /metrics` (see `bot.runtime.metrics`).

A round's Python runs under one interpreter lock, on one core. `--processes N` runs the
rounds in N child processes instead, each starting on its own share of the workspaces
(`TickShare`), and the parent only redraws Homes: one redraw loop per box.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from threading import Event, Thread

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.app import open_database
from bot.runtime.home_redraws import HOME_POLL_SECONDS, redraw_homes, redraw_until
from bot.runtime.logs import configure_logging
from bot.runtime.metrics import serve_metrics
from bot.runtime.ticks import Tick, minute_ticks, run_round
from bot.services.context import Services
from bot.services.digest_delivery import TickShare
from bot.services.slack_delivery import ClientForTeam, team_web_clients
from storage.db import make_session_factory

logger = logging.getLogger(__name__)


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    stop: Event | None = None,
    ticks: dict[str, Tick] | None = None,
    processes: int = 1,
) -> int:
    """Exit status: 0, or 1 when `once` and a tick failed (or, with `processes`, when a tick
    process died). Tick processes read the real clock and run every tick: `ticks`, and
    `clock` for the rounds, stand in for them in one process only."""
    engine = open_database(settings)
    if processes > 1:
        return _run_tick_processes(settings, engine, processes, clock, once=once, stop=stop)
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    ticks = ticks if ticks is not None else minute_ticks(settings)
    services = Services(session_factory, clock, settings=settings)
    if once:
        succeeded = run_round(ticks, session_factory, clients, clock(), _print_line)
        return 0 if redraw_homes(services, clients) and succeeded else 1
    _serve_metrics(settings.metrics_port)
    stop = stop or _stopped_by_signals()
    homes = Thread(target=redraw_until, args=(services, clients, stop), name="home-redraws")
    homes.start()
    logger.info("worker running %s every minute, App Home redraws as they come", ", ".join(ticks))
    _rounds(ticks, session_factory, clients, clock, stop)
    homes.join()
    logger.info("worker stopped")
    engine.dispose()
    return 0


def _rounds(
    ticks: dict[str, Tick],
    session_factory: sessionmaker[Session],
    clients: ClientForTeam,
    clock: Callable[[], datetime],
    stop: Event,
) -> None:
    while not stop.is_set():
        run_round(ticks, session_factory, clients, clock())
        stop.wait(60 - time.time() % 60)


def _run_tick_processes(
    settings: Settings,
    engine: Engine,
    processes: int,
    clock: Callable[[], datetime],
    *,
    once: bool,
    stop: Event | None,
) -> int:
    """The parent of `--processes`: starts the tick processes, redraws Homes, and stops them
    all when told to or when one of them dies (so whatever supervises the worker restarts
    it whole, rather than the box ticking on a share short)."""
    # A fresh interpreter per child: forking would copy this process's engine and threads.
    spawn = multiprocessing.get_context("spawn")
    children = [
        spawn.Process(
            target=_tick_process,
            args=(settings, TickShare(index, processes), once),
            name=f"phonetag-ticks-{index}",
        )
        for index in range(processes)
    ]
    for child in children:
        child.start()
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    services = Services(session_factory, clock, settings=settings)
    homes_drawn = True
    if once:
        homes_drawn = redraw_homes(services, clients)
    else:
        stop = stop or _stopped_by_signals()
        logger.info("worker running the ticks in %d processes, App Home redraws here", processes)
        while not stop.wait(HOME_POLL_SECONDS) and all(child.is_alive() for child in children):
            redraw_homes(services, clients)
        for child in children:
            # SIGTERM: each lets its round in progress finish, as a single worker does.
            child.terminate()
    for child in children:
        child.join()
    engine.dispose()
    # Killed by the SIGTERM above before it could set its handler: stopped, not failed.
    died = [child.name for child in children if child.exitcode not in (0, -signal.SIGTERM)]
    if died:
        logger.error("tick processes %s ended with an error", ", ".join(died))
    logger.info("worker stopped")
    return 0 if homes_drawn and not died else 1


def _tick_process(settings: Settings, share: TickShare, once: bool) -> None:
    """One of `--processes`' children: rounds only, with its share of the digest tick."""
    configure_logging(logging.INFO, settings.secrets, settings.log_format)
    stop = Event() if once else _stopped_by_signals()
    engine = open_database(settings)
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    ticks = minute_ticks(settings, share)
    if once:
        succeeded = run_round(ticks, session_factory, clients, datetime.now(UTC), _print_line)
    else:
        if settings.metrics_port is not None:
            # Each process counts its own rounds: one port each, next to one another.
            _serve_metrics(settings.metrics_port + share.index)
        _rounds(ticks, session_factory, clients, lambda: datetime.now(UTC), stop)
        succeeded = True
    engine.dispose()
    raise SystemExit(0 if succeeded else 1)


def _serve_metrics(port: int | None) -> None:
    """GET /metrics for Prometheus while the worker runs (not for `--once`: cron's round is
    over before a scrape would come)."""
    if port is None:
        return
    serve_metrics(port)
    logger.info("metrics on port %d at /metrics", port)


def _print_line(line: str) -> None:
    """What a tick did, on stdout for whoever ran `--once` (cron mails it, a person reads it)."""
    print(line, flush=True)


def _stopped_by_signals() -> Event:
    """SIGTERM (a deploy) or Ctrl-C lets the round in progress finish, then stops."""
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
