"""The minute's work, one registry: every tick `phonetag worker` runs (and `serve`, `socket`
and `console` run in process when no worker is configured).

A tick is a function of the session factory, the Slack clients and the instant; it claims
what it does in the database, so any number of processes may run the same round at once.
A new kind of work is one line in `minute_ticks`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime import metrics
from bot.services.context import EVIDENCE_REUSE
from bot.services.crm.tick import crm_tick
from bot.services.digest_delivery import TEAMS_KEPT, TickShare, run_digest_tick
from bot.services.digest_prepare import run_prepare_tick
from bot.services.heads_up import run_heads_up_tick
from bot.services.privacy import forget_tick
from bot.services.reminders import run_reminder_tick
from bot.services.retention import Pruned, prune_old_rows
from bot.services.slack_delivery import ClientForTeam
from bot.services.weekly_delivery import run_weekly_tick
from storage.insights import EvidenceCache

logger = logging.getLogger(__name__)


class TickOutcome(Protocol):
    @property
    def acted(self) -> bool: ...

    def summary(self) -> str: ...


Tick = Callable[[sessionmaker[Session], ClientForTeam, datetime], TickOutcome]


PREVIEWABLE = ("digest", "heads-up", "weekly", "reminders")
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
            cutoff=settings.delivery_cutoff,
            posts_per_second=settings.slack_posts_per_second,
        ),
        "digest preparation": partial(
            run_prepare_tick,
            ahead=timedelta(minutes=settings.digest_prepare_minutes),
            evidence=evidence,
            share=share,
        ),
        "heads-up": partial(run_heads_up_tick, evidence=evidence),
        "weekly": run_weekly_tick,
        "reminders": run_reminder_tick,
        "crm": crm_tick(settings),
        "retention": retention_tick(timedelta(days=settings.retention_days)),
        "forget uninstalled": forget_tick(timedelta(days=settings.uninstall_grace_days)),
    }


def retention_tick(keep: timedelta) -> Tick:
    """The retention's prune in the shape the round calls its ticks."""

    def tick(
        session_factory: sessionmaker[Session], _client_for_team: ClientForTeam, now: datetime
    ) -> Pruned:
        return prune_old_rows(session_factory, now, keep)

    return tick


def run_round(
    ticks: Mapping[str, Tick],
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    say: Callable[[str], None] | None = None,
) -> bool:
    """Run every tick once at `now`; False if any failed. A failing tick is logged with its
    traceback and the others still run: reminders must not wait on a broken digest. `say`
    hears one line per tick, whatever it did (`worker --once` prints them for cron)."""
    succeeded = True
    for name, tick in ticks.items():
        started = time.perf_counter()
        try:
            report = tick(session_factory, client_for_team, now)
        except Exception:
            # The worker's app.error: nobody waits on a reply, so log it loudly and go on.
            logger.exception("%s tick at %s failed", name, now.isoformat())
            succeeded = False
            if say is not None:
                say(f"{name} tick at {now.isoformat()} failed (the log has why)")
            continue
        metrics.observe_tick(name, report, time.perf_counter() - started)
        if report.acted:
            logger.info(report.summary())
        if say is not None:
            say(report.summary())
    if "crm" in ticks:
        metrics.observe_outbox(session_factory)
    return succeeded
