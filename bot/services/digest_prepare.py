"""Digests built in the minutes before they are due, so their minute only posts them.

Building is most of a digest's cost (reading a rep's prospects and calls, planning, Block
Kit); posting at the minute is bounded by Slack's limits. Each minute this tick builds the
digests coming due within the lead (PHONETAG_DIGEST_PREPARE_MINUTES), planned for the
instant they are due (`now` is that instant, as planning is a pure function of it), and
stores each with a fingerprint of the data it was built from (`storage.prepared_digests`).
At the minute, `run_digest_tick` posts a stored digest whose data still has that
fingerprint and builds anew the one whose data changed (a call logged, a prospect edited,
an owed call added).

Nothing is claimed: preparing twice is wasted work, not a second post, and only the
minute's claim posts. Reps already prepared are skipped, batch by batch, so ticks on
several hosts mostly share the work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.rules.schedule import due_date
from bot.services.context import EVIDENCE_REUSE
from bot.services.digest_delivery import (
    TEAMS_KEPT,
    EvidenceAhead,
    TickShare,
    build_batch,
    collector_paused,
    pending_batches,
    read_batch,
    reads_in_parallel,
    worker_id,
)
from bot.services.slack_delivery import ClientForTeam
from storage import digest as store
from storage import prepared_digests as prepared_store
from storage.digest import DeliveryKey, DigestRecipient
from storage.insights import EvidenceCache

PREPARE_AHEAD = timedelta(minutes=5)
"""How long before a digest is due it is built (PHONETAG_DIGEST_PREPARE_MINUTES): a few
minutes, so a rep's last edits before then are in it, and the morning's building is spread
over the minutes before each digest time instead of falling on it."""

KEEP_PREPARED = timedelta(days=1)
"""A prepared digest no tick settled (its rep paused, the day given up) is deleted this long
after it was due."""


@dataclass
class PrepareReport:
    """What one preparation tick did, for the round's log line and the bench."""

    now: datetime
    coming: int = 0
    built: int = 0
    pruned: int = 0
    build_seconds: float = 0.0

    @property
    def acted(self) -> bool:
        return bool(self.built or self.pruned)

    def summary(self) -> str:
        return (
            f"digest preparation tick at {self.now.isoformat()}: {self.coming} coming due, "
            f"{self.built} built ahead, {self.pruned} stale ones deleted"
        )


def run_prepare_tick(
    session_factory: sessionmaker[Session],
    _client_for_team: ClientForTeam,
    now: datetime,
    *,
    ahead: timedelta = PREPARE_AHEAD,
    evidence: EvidenceCache | None = None,
    share: TickShare | None = None,
) -> PrepareReport:
    """Build and store the digests due after `now` and at most `ahead` later that are not
    prepared yet, each for its own instant."""
    report = PrepareReport(now)
    evidence = evidence or EvidenceCache(EVIDENCE_REUSE, max_teams=TEAMS_KEPT)
    with session_factory.begin() as session:
        report.pruned = prepared_store.prune_prepared(session, now - KEEP_PREPARED)
        coming = _coming_due(store.digest_recipients(session), now, ahead)
        report.coming = len(coming)
        done = prepared_store.prepared_keys(session, coming.keys())
    by_instant: dict[datetime, dict[DeliveryKey, DigestRecipient]] = {}
    for key, (at, recipient) in coming.items():
        if key not in done:
            by_instant.setdefault(at, {})[key] = recipient
    for at, due in sorted(by_instant.items(), key=lambda item: item[0]):
        _prepare(session_factory, due, at, now, evidence, share, report)
    return report


def _coming_due(
    recipients: list[DigestRecipient], now: datetime, ahead: timedelta
) -> dict[DeliveryKey, tuple[datetime, DigestRecipient]]:
    """Each rep whose digest falls due after `now` and by `now + ahead`, with its instant."""
    coming = {}
    for recipient in recipients:
        day = due_date(recipient.schedule, now + ahead)
        if day is None:
            continue
        at = datetime.combine(day, recipient.schedule.at, tzinfo=recipient.schedule.tz)
        if now < at:
            coming[DeliveryKey(recipient.team_id, recipient.rep.user_id, day)] = (at, recipient)
    return coming


def _prepare(
    session_factory: sessionmaker[Session],
    due: dict[DeliveryKey, DigestRecipient],
    at: datetime,
    now: datetime,
    evidence: EvidenceCache,
    share: TickShare | None,
    report: PrepareReport,
) -> None:
    """Build the digests due at `at`, a batch at a time, workspace after workspace, and store
    each batch as it is built (a tick holds one batch's messages, not the morning's)."""
    batches = list(pending_batches(due.keys(), set(), share))
    learned = EvidenceAhead(
        session_factory,
        evidence,
        at,
        [key.team_id for batch in batches for key in batch],
        worker=worker_id(),
        days={key.local_date for key in due},
        parallel=reads_in_parallel(session_factory),
    )
    with learned:
        for batch in batches:
            with session_factory() as session:
                # Another host may have prepared them meanwhile.
                batch = [k for k in batch if k not in prepared_store.prepared_keys(session, batch)]
            if not batch:
                continue
            started = time.perf_counter()
            learned.building(batch[0].team_id)
            reps = [(key.team_id, key.rep_user_id) for key in batch]
            with session_factory() as session:
                # Before the read: a write in between changes the marker, never goes unseen.
                markers = prepared_store.data_markers(session, reps)
            with collector_paused():
                reads = read_batch(session_factory, batch, at, learned, due, standings_at=now)
                messages = build_batch(reads, batch, due, at)
                as_read = reads.inputs
                if markers is None and reads.rewritten:
                    # As the minute will read them: after the standings just written back,
                    # which change which prospects are read, not the digest.
                    with session_factory() as session:
                        as_read = as_read | store.digest_inputs(
                            session, sorted(reads.rewritten), at
                        )
                prepared = [
                    prepared_store.PreparedDigest(
                        key,
                        at,
                        markers.get((key.team_id, key.rep_user_id), "")
                        if markers is not None
                        else prepared_store.digest_fingerprint(
                            due[key], as_read[(key.team_id, key.rep_user_id)]
                        ),
                        message,
                    )
                    for key, message in messages.items()
                ]
            with session_factory.begin() as session:
                prepared_store.store_prepared(session, prepared, now)
            report.built += len(prepared)
            report.build_seconds += time.perf_counter() - started
