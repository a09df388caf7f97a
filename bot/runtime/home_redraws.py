"""The App Home redraw loop: one thread per process that draws the Homes left in
`home_redraws` (see `handlers.home.refresh_home`).

It runs in `phonetag worker` when one is configured (PHONETAG_WORKER=separate), and
otherwise in `serve`, `socket` and each gunicorn worker, so a Home is never drawn on a
request's thread in any deployment. One thread, one Home at a time: the drawing is Python
that holds the interpreter lock, and a second drawing thread would take more turns from the
threads answering reps. Between passes it waits `HOME_POLL_SECONDS`; a pass draws what
has waited out the settle time, so a rep's burst of calls is one redraw.
"""

from __future__ import annotations

import logging
from threading import Event, Thread

from bot.services.context import Services
from bot.services.slack_delivery import ClientForTeam
from handlers.home import redraw_waiting_homes

logger = logging.getLogger(__name__)

HOME_POLL_SECONDS = 0.5
"""How often the loop looks for Homes to redraw: a Home lags the call that changed it by the
settle time and at most this much more. One indexed read when nothing waits."""


def redraw_homes(services: Services, clients: ClientForTeam) -> bool:
    """One pass; False if it failed (logged like a tick's failure: the rows it had not taken
    wait for the next pass)."""
    try:
        drawn = redraw_waiting_homes(services, clients)
    except Exception:
        logger.exception("App Home redraws failed")
        return False
    if drawn:
        logger.debug("redrew %d App Homes", drawn)
    return True


def redraw_until(services: Services, clients: ClientForTeam, stop: Event) -> None:
    """Passes every `HOME_POLL_SECONDS` until `stop` is set."""
    while not stop.wait(HOME_POLL_SECONDS):
        redraw_homes(services, clients)


def start_home_redraws(services: Services, clients: ClientForTeam) -> Event:
    """The loop on a daemon thread of its own (a digest round takes minutes, and a Home must
    not wait on it); set the returned event to stop it after its pass in progress."""
    stop = Event()
    Thread(
        target=redraw_until, args=(services, clients, stop), name="home-redraws", daemon=True
    ).start()
    return stop
