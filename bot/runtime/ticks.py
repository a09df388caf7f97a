"""The minute's work, one registry: every tick `phonetag worker` runs (and `serve`, `socket`
and `console` run in process when no worker is configured).

A tick is a function of the session factory, the Slack clients and the instant; it claims
what it does in the database, so any number of processes may run the same round at once.
A new kind of work is one line in `minute_ticks`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.context import EVIDENCE_REUSE
from bot.services.crm.tick import crm_tick
from bot.services.digest_delivery import TEAMS_KEPT, TickShare, run_digest_tick
from bot.services.privacy import forget_tick
from bot.services.reminders import run_reminder_tick
from bot.services.slack_delivery import ClientForTeam
from bot.services.weekly_delivery import run_weekly_tick
from storage import queries
from storage.insights import EvidenceCache

logger = logging.getLogger(__name__)


class TickOutcome(Protocol):
    @property
    def acted(self) -> bool: ...

    def summary(self) -> str: ...


Tick = Callable[[sessionmaker[Session], ClientForTeam, datetime], TickOutcome]


PREVIEWABLE = ("digest", "weekly", "reminders")
"""Ticks with a dry run: `phonetag digest --dry-run` prints what they would send."""


def minute_ticks(settings: Settings, share: TickShare | None = None) -> dict[str, Tick]:
    """Every tick of a round, in the order they run. The digest keeps workspaces' learned
    windows between rounds: they weigh months of dials, so minutes-old ones rank the same.
    `share` is given to each of `phonetag worker --processes`' tick processes."""
    evidence = EvidenceCache(EVIDENCE_REUSE, max_teams=TEAMS_KEPT)
    return {
        "digest": partial(
            run_digest_tick,
            posts_in_flight=settings.posts_in_flight,
            evidence=evidence,
            share=share,
        ),
        "weekly": run_weekly_tick,
        "reminders": run_reminder_tick,
        "crm": crm_tick(settings),
        "replay claims": forget_claims_tick,
        "forget uninstalled": forget_tick(timedelta(days=settings.uninstall_grace_days)),
    }


CLAIMS_KEPT = timedelta(days=1)
"""Slack stops retrying an event within the hour and a signature is refused after five
minutes; a day leaves room for clocks that disagree."""


def forget_old_claims(session_factory: sessionmaker[Session], now: datetime) -> int:
    """One indexed DELETE a minute keeps processed_events at about a day of requests."""
    with session_factory.begin() as session:
        return queries.forget_processed_events(session, now - CLAIMS_KEPT)


@dataclass(frozen=True)
class ClaimsForgotten:
    forgotten: int

    @property
    def acted(self) -> bool:
        return self.forgotten > 0

    def summary(self) -> str:
        return f"forgot {self.forgotten} replay claims older than a day"


def forget_claims_tick(
    session_factory: sessionmaker[Session], _client_for_team: ClientForTeam, now: datetime
) -> ClaimsForgotten:
    return ClaimsForgotten(forget_old_claims(session_factory, now))


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
