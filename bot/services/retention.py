"""Forgetting what is no longer needed: old deliveries, pushed or cancelled CRM outbox rows,
and replay claims, so the tables stay the size of the retention rather than of the years.

One setting (PHONETAG_RETENTION_DAYS, default 90) keeps deliveries and the outbox; replay
claims need only a day. Each minute's tick deletes at most PRUNE_BATCH rows of each table,
oldest first, in short statements: a backlog (the first run on a year-old database) drains
over some minutes without one long delete holding locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage import crm as crm_store
from storage import digest as delivery_store
from storage import queries

PRUNE_BATCH = 5000
"""Rows deleted per table per tick: a few milliseconds' statement, 7 million a day."""

CLAIMS_KEPT = timedelta(days=1)
"""Slack stops retrying an event within the hour and a signature is refused after five
minutes; a day leaves room for clocks that disagree."""


@dataclass(frozen=True)
class Pruned:
    """What one retention tick deleted."""

    deliveries: int = 0
    outbox: int = 0
    replay_claims: int = 0

    @property
    def acted(self) -> bool:
        return any((self.deliveries, self.outbox, self.replay_claims))

    def summary(self) -> str:
        return (
            f"retention: forgot {self.deliveries} deliveries, {self.outbox} sent or cancelled "
            f"CRM outbox rows, {self.replay_claims} replay claims"
        )


def forget_old_claims(session_factory: sessionmaker[Session], now: datetime) -> int:
    """One indexed DELETE keeps processed_events at about a day of requests."""
    with session_factory.begin() as session:
        return queries.forget_processed_events(session, now - CLAIMS_KEPT)


def prune_old_rows(
    session_factory: sessionmaker[Session], now: datetime, keep: timedelta
) -> Pruned:
    """Delete deliveries whose local date is more than `keep` ago, sent and cancelled outbox
    rows written before then, and replay claims older than a day; each table in its own
    short transaction."""
    with session_factory.begin() as session:
        deliveries = delivery_store.prune_deliveries(session, (now - keep).date(), PRUNE_BATCH)
    with session_factory.begin() as session:
        outbox = crm_store.prune_outbox(session, now - keep, PRUNE_BATCH)
    return Pruned(deliveries, outbox, forget_old_claims(session_factory, now))
