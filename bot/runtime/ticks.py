"""The minute's work, one registry: every tick `phonetag worker` runs (and `serve`, `socket`
and `console` run in process when no worker is configured).

A tick is a function of the session factory, the Slack clients and the instant; it claims
what it does in the database, so any number of processes may run the same round at once.
A new kind of work is one line in `minute_ticks`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.context import EVIDENCE_REUSE
from bot.services.digest_delivery import TEAMS_KEPT, ClientForTeam, run_digest_tick
from bot.services.reminders import run_reminder_tick
from bot.services.weekly_delivery import run_weekly_tick
from bot.storage.insights import EvidenceCache

logger = logging.getLogger(__name__)


class TickOutcome(Protocol):
    @property
    def acted(self) -> bool: ...

    def summary(self) -> str: ...


Tick = Callable[[sessionmaker[Session], ClientForTeam, datetime], TickOutcome]


def minute_ticks(settings: Settings) -> dict[str, Tick]:
    """Every tick of a round, in the order they run. The digest keeps workspaces' learned
    windows between rounds: they weigh months of dials, so minutes-old ones rank the same."""
    evidence = EvidenceCache(EVIDENCE_REUSE, max_teams=TEAMS_KEPT)
    return {
        "digest": partial(
            run_digest_tick, posts_in_flight=settings.posts_in_flight, evidence=evidence
        ),
        "weekly": run_weekly_tick,
        "reminders": run_reminder_tick,
    }


def run_round(
    ticks: Mapping[str, Tick],
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
) -> bool:
    """Run every tick once at `now`; False if any failed. A failing tick is logged with its
    traceback and the others still run: reminders must not wait on a broken digest."""
    succeeded = True
    for name, tick in ticks.items():
        try:
            report = tick(session_factory, client_for_team, now)
        except Exception:
            # The worker's app.error: nobody waits on a reply, so log it loudly and go on.
            logger.exception("%s tick at %s failed", name, now.isoformat())
            succeeded = False
            continue
        if report.acted:
            logger.info(report.summary())
    return succeeded
