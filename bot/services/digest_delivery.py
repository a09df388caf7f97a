"""One digest tick: send every daily digest due at an instant and not sent yet.

Ticks are safe to run anywhere, any number at once (`phonetag worker`, cron on several hosts,
`serve`'s own tick): each rep's day is claimed in the database before anything is read or
built, and only the claimant posts. The order per rep is claim → read → build → mark
POSTING → post → record. Reading, building and posting overlap: while up to
`posts_in_flight` posts wait on Slack, this batch is built and the next one claimed and
read, and outcomes are written a batch at a time. How a post goes out once, and is looked
for in the DM when its outcome is unknown, is `bot.services.slack_delivery`.

Each claim is a lease on the database's clock, renewed every RENEW_EVERY while the tick
holds it (`held_leases`), so a round of any length keeps its days, and only a dead tick's
are taken over. A day is marked POSTING only as its own request is about to go. A failed
or uncertain day is tried again after a growing wait until the cut-off (noon on the rep's
clock by default); after it, the day is recorded MISSED. The states and retries are
described once, in docs/digest-and-reminders.md.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from itertools import pairwise, zip_longest
from threading import BoundedSemaphore, Event, Lock, Thread
from typing import Generic, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digest import SHOWN_AT_MOST, build_digest_message
from bot.insights.digest_plan import plan_digest
from bot.insights.window_advice import WindowEvidence
from bot.rules.public_holidays import rep_closed_days
from bot.rules.schedule import DigestSchedule, due_date
from bot.services.context import EVIDENCE_REUSE
from bot.services.slack_delivery import (
    SLACK_LATENCY,
    ClientForTeam,
    RateLimits,
    begin_posting,
    briefly,
    deliver,
    look_in_dm,
    post_to_dm,
    posts_in_flight_for,
)
from storage import digest as store
from storage import prepared_digests as prepared_store
from storage import standing as standing_store
from storage.db import without_statement_limits
from storage.digest import DAILY, RENEW_EVERY, DeliveryKey, DeliveryStatus, DigestRecipient
from storage.insights import EvidenceCache

logger = logging.getLogger(__name__)

CLAIM_BATCH = 25
"""Reps claimed at a time: small, so concurrent ticks share the work instead of one tick
claiming everyone and posting alone."""

POSTS_IN_FLIGHT = 16
"""Posts waiting on Slack at once when no workspace pace is given (the heads-up, tests):
each waits on the network, not the CPU. With a pace (PHONETAG_SLACK_POSTS_PER_SECOND), the
number follows from it and the measured latency, at most PHONETAG_POSTS_IN_FLIGHT."""

FRESH = timedelta(minutes=1)
"""A digest prepared for an instant is posted as it was built during the minute after it;
a later tick (a retry) builds it anew."""

TEAMS_KEPT = 2
"""Workspaces' learned windows a tick keeps: it walks through them one after another."""

CUTOFF = clock_time(12)
"""Until when on the rep's clock a failed or uncertain digest is retried
(PHONETAG_DELIVERY_CUTOFF): a call list that comes after lunch has missed its morning."""


@dataclass
class TickReport:
    """What one tick did, for the CLI's summary line and for tests."""

    now: datetime
    label: str = "digest"
    due: int = 0
    sent: list[DeliveryKey] = field(default_factory=list)
    empty: list[DeliveryKey] = field(default_factory=list)
    failed: list[DeliveryKey] = field(default_factory=list)
    skipped: list[DeliveryKey] = field(default_factory=list)
    unknown: list[DeliveryKey] = field(default_factory=list)
    missed: list[DeliveryKey] = field(default_factory=list)
    previews: dict[DeliveryKey, dict[str, object]] = field(default_factory=dict)
    build_seconds: float = 0.0
    """Time spent reading and building messages, posting aside: what the bench reports."""
    from_prepared: int = 0
    """Days posted as prepared ahead, their data unchanged: nothing built at the minute."""
    oldest_due_seconds: float | None = None
    """How long the longest-waiting due, unsent digest has been due, after this tick (0 when
    none waits); None when the tick does not say (a dry run, the other kinds)."""

    @property
    def outcomes(self) -> dict[DeliveryStatus, list[DeliveryKey]]:
        """The days this tick settled or left to retry, by how."""
        return {
            DeliveryStatus.SENT: self.sent,
            DeliveryStatus.EMPTY: self.empty,
            DeliveryStatus.FAILED: self.failed,
            DeliveryStatus.SKIPPED: self.skipped,
            DeliveryStatus.UNKNOWN: self.unknown,
            DeliveryStatus.MISSED: self.missed,
        }

    def add(self, status: DeliveryStatus, key: DeliveryKey) -> None:
        self.outcomes[status].append(key)

    @property
    def acted(self) -> bool:
        """Whether this tick settled any rep's day (most ticks find nothing left to do)."""
        return any(self.outcomes.values())

    def summary(self) -> str:
        counts = (
            f"{len(self.sent)} sent, {len(self.empty)} with nothing due, "
            f"{len(self.failed)} failed (retried later), {len(self.skipped)} skipped "
            f"(account gone), {len(self.unknown)} unknown (looked for in the DM later), "
            f"{len(self.missed)} missed (cut-off passed)"
        )
        return f"{self.label} tick at {self.now.isoformat()}: {self.due} due; {counts}"


@dataclass(frozen=True)
class TickShare:
    """Which of a box's `of` tick processes this is (`phonetag worker --processes`).

    Each process starts on its own share of the workspaces, so they build side by side
    instead of contending for the same claims and each reading every workspace's learned
    windows; once its share is done, a process helps with the others' from their far end.
    """

    index: int
    of: int


def run_digest_tick(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    *,
    dry_run: bool = False,
    worker: str | None = None,
    posts_in_flight: int = POSTS_IN_FLIGHT,
    evidence: EvidenceCache | None = None,
    share: TickShare | None = None,
    cutoff: clock_time = CUTOFF,
    posts_per_second: float | None = None,
) -> TickReport:
    """Send every daily digest due at `now` that no tick has sent yet; record as MISSED the
    days whose `cutoff` has passed unsent.

    Days prepared for this minute (`bot.services.digest_prepare`) whose data is unchanged
    are posted as stored, workspaces side by side, each at `posts_per_second`; the others,
    and those whose data changed since, are built here, workspace after workspace.
    A dry run claims nothing and posts nothing: it returns the messages that are due.
    `evidence` keeps workspaces' learned windows across ticks (a worker passes its own);
    without it they are read once per tick. `share` orders the workspaces for one of a
    box's tick processes; without it they come in random order.
    """
    worker = worker or worker_id()
    report = TickReport(now=now)
    evidence = evidence or EvidenceCache(EVIDENCE_REUSE, max_teams=TEAMS_KEPT)
    with session_factory() as session:
        recipients = store.digest_recipients(session)
        due = {
            DeliveryKey(r.team_id, r.rep.user_id, day): r
            for r in recipients
            if (day := due_date(r.schedule, now)) is not None
        }
        taken = store.unavailable_deliveries(session, due.keys(), now)
    overdue = {
        key
        for key, r in due.items()
        if now >= digest_deadline(r.schedule, key.local_date, cutoff) and key not in taken
    }
    report.due = len(due)
    ready: list[DeliveryKey] = []
    if not dry_run:
        with session_factory() as session:
            prepared = prepared_store.prepared_keys(
                session, [key for key in due if key not in taken and key not in overdue]
            )
        ready = [key for key, at in prepared.items() if at <= now < at + FRESH]
    # Of a box's tick processes, each posts the prepared days of its own workspaces only: the
    # pace is per process, so two posting to one workspace would post at twice its budget.
    # Another's left behind (it died) are built by the next minute's tick.
    own_teams = None if share is None else _own(due, share)
    own_ready = [key for key in ready if own_teams is None or key.team_id in own_teams]
    parallel = reads_in_parallel(session_factory)
    rebuild: dict[DeliveryKey, bool] = {}
    """Prepared days claimed whose data changed since, to build here: whether each is in
    doubt (an earlier post may have landed)."""

    def claim_and_read(batch: Sequence[DeliveryKey]) -> ClaimedReads:
        if dry_run:
            claim = store.Claim(list(batch), set())
        elif batch[0] in rebuild:
            # Claimed already, while the prepared days were posted.
            claim = store.Claim(list(batch), {key for key in batch if rebuild[key]})
        else:
            with session_factory.begin() as session:
                claim = store.claim_deliveries(session, batch, worker, now)
        if not claim.won:
            return ClaimedReads(claim.won, claim.in_doubt, None)
        with collector_paused():
            reads = read_batch(session_factory, claim.won, now, learned, due)
        return ClaimedReads(claim.won, claim.in_doubt, reads)

    def build(keys: list[DeliveryKey], reads: DigestReads) -> dict[DeliveryKey, dict[str, object]]:
        started = time.perf_counter()
        learned.building(keys[0].team_id)
        with collector_paused():
            messages = build_batch(reads, keys, due, now)
        report.build_seconds += time.perf_counter() - started
        return messages

    posting = (
        None
        if dry_run
        else Postbox(
            session_factory,
            client_for_team,
            worker,
            now,
            report,
            posts_in_flight,
            per_second=posts_per_second,
            teams=len({key.team_id for key in due}),
        )
    )
    leases = nullcontext() if dry_run else held_leases(session_factory, worker)
    with leases, posting or nullcontext():
        if posting is not None and own_ready:
            rebuild = _post_prepared(session_factory, own_ready, due, worker, now, posting, report)
        rebuilt = sorted(rebuild, key=lambda key: key.team_id)
        batches = [
            rebuilt[start : start + CLAIM_BATCH] for start in range(0, len(rebuilt), CLAIM_BATCH)
        ]
        batches += pending_batches(due.keys(), taken | overdue | set(ready), share)
        teams_in_order = [key.team_id for batch in batches for key in batch]
        learned = EvidenceAhead(
            session_factory,
            evidence,
            now,
            teams_in_order,
            worker=worker,
            days={key.local_date for key in due},
            parallel=parallel,
        )
        with learned, ReadAhead(claim_and_read, batches, parallel=parallel) as claims:
            waiting = time.perf_counter()
            for claimed in claims:
                # Waiting on a batch's read is part of its build, as the bench counts it.
                waited = time.perf_counter() - waiting
                if posting is not None:
                    posting.record()
                if claimed.reads is not None:
                    report.build_seconds += waited
                    messages = build(claimed.keys, claimed.reads)
                    if posting is None:
                        report.previews.update(messages)
                    else:
                        posting.send(messages, claimed.in_doubt)
                waiting = time.perf_counter()
        if not dry_run:
            _settle_overdue(session_factory, client_for_team, overdue, worker, now, report, cutoff)
    if not dry_run:
        with session_factory.begin() as session:
            prepared_store.forget_prepared(
                session, [*report.sent, *report.empty, *report.skipped, *report.missed]
            )
        report.oldest_due_seconds = _oldest_due_seconds(session_factory, due, overdue, now)
    return report


def _post_prepared(
    session_factory: sessionmaker[Session],
    keys: Collection[DeliveryKey],
    due: dict[DeliveryKey, DigestRecipient],
    worker: str,
    now: datetime,
    posting: Postbox,
    report: TickReport,
) -> dict[DeliveryKey, bool]:
    """Claim the prepared days, a batch of workspaces side by side at a time, and post each
    one's stored message if its data is unchanged; return the claimed days whose data
    changed (each with whether it is in doubt), to be built anew."""
    changed: dict[DeliveryKey, bool] = {}

    def claim_and_check(batch: Sequence[DeliveryKey]) -> tuple[store.Claim, _Checked]:
        with session_factory.begin() as session:
            claim = store.claim_deliveries(session, batch, worker, now)
        if not claim.won:
            return claim, _Checked({}, [])
        started = time.perf_counter()
        with collector_paused():
            checked = _still_current(session_factory, claim.won, due)
        report.build_seconds += time.perf_counter() - started
        return claim, checked

    parallel = reads_in_parallel(session_factory)
    with ReadAhead(claim_and_check, side_by_side(keys), parallel=parallel) as checks:
        for claim, checked in checks:
            posting.record()
            posting.send(checked.current, claim.in_doubt)
            report.from_prepared += len(checked.current)
            changed.update({key: key in claim.in_doubt for key in checked.changed})
    return changed


class _Checked(NamedTuple):
    current: dict[DeliveryKey, dict[str, object]]
    """Prepared messages still true to their data."""
    changed: list[DeliveryKey]
    """Days whose data changed since they were prepared (or whose preparation is gone)."""


def _still_current(
    session_factory: sessionmaker[Session],
    keys: Sequence[DeliveryKey],
    due: dict[DeliveryKey, DigestRecipient],
) -> _Checked:
    """Read the days' prepared messages and their data's markers (hashed by PostgreSQL) or
    fingerprints (read here, on SQLite): a message whose data has the fingerprint it was
    built from is posted as it is."""
    reps = [(key.team_id, key.rep_user_id) for key in keys]
    with session_factory() as session:
        stored = prepared_store.prepared_digests(session, keys)
        fingerprints = prepared_store.data_markers(session, reps)
        if fingerprints is None:
            fingerprints = _fingerprints(session, stored, due)
    current: dict[DeliveryKey, dict[str, object]] = {}
    changed = []
    for key in keys:
        prepared = stored.get(key)
        if prepared is not None and prepared.fingerprint == fingerprints.get(
            (key.team_id, key.rep_user_id)
        ):
            current[key] = prepared.message
        else:
            changed.append(key)
    return _Checked(current, changed)


def _fingerprints(
    session: Session,
    stored: dict[DeliveryKey, prepared_store.PreparedDigest],
    due: dict[DeliveryKey, DigestRecipient],
) -> dict[tuple[str, str], str]:
    """Where the database cannot hash a rep's rows (SQLite): read the rep's digest inputs as
    of the instant each was prepared for, and fingerprint them."""
    by_instant: dict[datetime, list[DeliveryKey]] = {}
    for key, prepared in stored.items():
        by_instant.setdefault(prepared.digest_at, []).append(key)
    fingerprints = {}
    for at, group in by_instant.items():
        inputs = store.digest_inputs(session, [(k.team_id, k.rep_user_id) for k in group], at)
        for key in group:
            rep = (key.team_id, key.rep_user_id)
            fingerprints[rep] = prepared_store.digest_fingerprint(due[key], inputs[rep])
    return fingerprints


def side_by_side(keys: Iterable[DeliveryKey]) -> list[list[DeliveryKey]]:
    """Claim-sized batches taking one rep from each workspace in turn (reps and workspaces
    in random order), so each workspace's posts go at its own pace, beside the others',
    and no big workspace holds the rest up."""
    by_team: dict[str, list[DeliveryKey]] = {}
    for key in keys:
        by_team.setdefault(key.team_id, []).append(key)
    queues = list(by_team.values())
    random.shuffle(queues)
    for queue in queues:
        random.shuffle(queue)
    turns = [key for turn in zip_longest(*queues) for key in turn if key is not None]
    return [turns[start : start + CLAIM_BATCH] for start in range(0, len(turns), CLAIM_BATCH)]


def digest_deadline(schedule: DigestSchedule, day: date, cutoff: clock_time) -> datetime:
    """Until when the rep's digest for `day` is posted: the cut-off on their clock, or the
    end of their day for a digest set at or after the cut-off."""
    if schedule.at >= cutoff:
        return datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=schedule.tz)
    return datetime.combine(day, cutoff, tzinfo=schedule.tz)


def _settle_overdue(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    overdue: Collection[DeliveryKey],
    worker: str,
    now: datetime,
    report: TickReport,
    cutoff: clock_time,
) -> None:
    """Days past their cut-off and not settled: MISSED, with the reason; one whose earlier
    post may have landed is looked for in the DM first (SENT if it is there, and still in
    doubt if the DM cannot be read)."""
    why = f"not posted by the cut-off ({cutoff:%H:%M} on the rep's clock)"
    batch_keys = sorted(overdue)
    for start in range(0, len(batch_keys), CLAIM_BATCH):
        with session_factory.begin() as session:
            claim = store.claim_deliveries(
                session, batch_keys[start : start + CLAIM_BATCH], worker, now
            )
        looked = [(key, look_in_dm(client_for_team, key, DAILY)) for key in sorted(claim.in_doubt)]
        found = [outcome for _, outcome in looked if outcome is not None]
        missed = [key for key in claim.won if key not in {o.key for o in found}]
        with session_factory.begin() as session:
            store.record_outcomes(session, found, worker, now)
            store.record_missed(session, missed, worker, why)
        for outcome in found:
            report.add(outcome.status, outcome.key)
        for key in missed:
            report.add(DeliveryStatus.MISSED, key)


def _oldest_due_seconds(
    session_factory: sessionmaker[Session],
    due: dict[DeliveryKey, DigestRecipient],
    overdue: Collection[DeliveryKey],
    now: datetime,
) -> float:
    """How long the longest-waiting digest that is due, not past its cut-off, and not
    settled has been due: what an operator watches for a stuck or failing morning."""
    waiting = {key: r for key, r in due.items() if key not in overdue}
    with session_factory() as session:
        settled = store.settled_deliveries(session, waiting.keys())
    ages = [
        (now - datetime.combine(key.local_date, r.schedule.at, tzinfo=r.schedule.tz))
        for key, r in waiting.items()
        if key not in settled
    ]
    return max([0.0, *(age.total_seconds() for age in ages)])


@contextmanager
def held_leases(session_factory: sessionmaker[Session], worker: str) -> Iterator[None]:
    """Renew `worker`'s leases every RENEW_EVERY on a thread of its own while the block runs:
    however long the round, its days stay its own. A renewal that fails (the database away
    a moment) is logged and tried again; a worker that dies stops renewing, and its days are
    taken over once their leases lapse."""
    stop = Event()

    def renew() -> None:
        while not stop.wait(RENEW_EVERY.total_seconds()):
            try:
                with session_factory.begin() as session:
                    store.renew_leases(session, worker)
            except SQLAlchemyError as problem:
                logger.warning("renewing the leases of %s failed: %s", worker, briefly(problem))

    renewer = Thread(target=renew, name="lease-renewal", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


class ClaimedReads(NamedTuple):
    """A batch's days this tick won, ahead of building them, and what they need read."""

    keys: list[DeliveryKey]
    in_doubt: set[DeliveryKey]
    """Of `keys`, the days an earlier post may have landed for."""
    reads: DigestReads | None
    """None when the batch was won by other ticks."""


Built = TypeVar("Built")


class Sender(Protocol[Built]):
    def record(self) -> None:
        """Write what finished posting so far, before the next claim."""

    def send(self, built: dict[DeliveryKey, Built], in_doubt: Collection[DeliveryKey]) -> None:
        """Post the claimed messages; an earlier post of those `in_doubt` may have landed."""


def claim_build_send(
    session_factory: sessionmaker[Session],
    batches: Iterable[Sequence[DeliveryKey]],
    build: Callable[[Sequence[DeliveryKey]], dict[DeliveryKey, Built]],
    sender: Sender[Built] | None,
    report: TickReport,
    worker: str,
    now: datetime,
    *,
    preview: Callable[[Built], dict[str, object]],
    kind: str = DAILY,
) -> None:
    """The loop of the weekly pictures: claim a batch, build only what was won, post. (The
    daily digest claims ahead of its reads instead, see `run_digest_tick`.)

    `batches` are the due days no tick holds (`pending_batches`). Without a sender it is a
    dry run: everything due is built, nothing claimed or posted.
    """
    for batch in batches:
        if sender is None:
            report.previews.update({key: preview(b) for key, b in build(batch).items()})
            continue
        sender.record()
        with session_factory.begin() as session:
            claim = store.claim_deliveries(session, batch, worker, now, kind)
        if claim.won:
            sender.send(build(claim.won), claim.in_doubt)


def pending_batches(
    due: Iterable[DeliveryKey],
    taken: Collection[DeliveryKey],
    share: TickShare | None = None,
) -> Iterator[list[DeliveryKey]]:
    """The due deliveries no tick holds, in claim-sized batches, workspace after workspace
    (so a tick needs one workspace's learned windows at a time), reps in random order.

    Workspaces come in random order, so independent ticks rarely contend for the same
    claims; or, for one of a box's processes (`share`), its own share of the workspaces
    first, then the others' from the end of each share backwards: an owner walks its share
    forwards, so a process that finished early meets the owner in one workspace at most.
    The shares are cut from every workspace with a day due, not only the pending ones, so
    processes that start a moment apart cut them alike.
    """
    due = list(due)
    by_team: dict[str, list[DeliveryKey]] = {}
    for key in due:
        if key not in taken:
            by_team.setdefault(key.team_id, []).append(key)
    if share is None:
        teams = list(by_team)
        random.shuffle(teams)
    else:
        teams = [team for team in _share_order(due, share) if team in by_team]
    pending = []
    for team in teams:
        keys = by_team[team]
        random.shuffle(keys)
        pending += keys
    for start in range(0, len(pending), CLAIM_BATCH):
        yield pending[start : start + CLAIM_BATCH]


def _share_order(due: Iterable[DeliveryKey], share: TickShare) -> list[str]:
    every = sorted({key.team_id for key in due})
    start = share.index * len(every) // share.of
    end = (share.index + 1) * len(every) // share.of
    return every[start:end] + (every[end:] + every[:start])[::-1]


def _own(due: Iterable[DeliveryKey], share: TickShare) -> set[str]:
    """The workspaces of `share`'s own part, cut as `_share_order` cuts them."""
    every = sorted({key.team_id for key in due})
    return set(
        every[share.index * len(every) // share.of : (share.index + 1) * len(every) // share.of]
    )


def worker_id() -> str:
    """Who holds a claim, for the operator reading the deliveries table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-100:]


@dataclass(frozen=True)
class DigestReads:
    """What a batch of digests needs from the database."""

    inputs: dict[tuple[str, str], store.DigestInputs]
    evidence: dict[str, WindowEvidence]
    """Per workspace: its learned windows."""
    rewritten: frozenset[tuple[str, str]] = frozenset()
    """The reps some of whose standings this read wrote back: read again, they would
    return other prospects (those the stored standings now leave out)."""


def read_batch(
    session_factory: sessionmaker[Session],
    keys: Sequence[DeliveryKey],
    now: datetime,
    learned: EvidenceAhead,
    due: Mapping[DeliveryKey, DigestRecipient],
    *,
    standings_at: datetime | None = None,
) -> DigestReads:
    """The batch's inputs for a digest at `now`, and evidence; the standings not known yet,
    or run out, are worked out from the calls read (on each rep's clock, from `due`) as at
    `standings_at` (`now` unless told: a digest prepared ahead is read for a later instant,
    and a standing is stored only from the present) and written back, so tomorrow reads
    only the prospects then due."""
    reps = [(k.team_id, k.rep_user_id) for k in keys]
    zones = {(k.team_id, k.rep_user_id): ZoneInfo(due[k].rep.tz) for k in keys}
    with session_factory() as session:
        inputs = store.digest_inputs(session, reps, now)
        teams = {team: learned.evidence(session, team) for team in {k.team_id for k in keys}}
    worked_out = store.worked_out_standings(inputs, zones, standings_at or now)
    if worked_out:
        with session_factory.begin() as session:
            standing_store.write_back(session, worked_out)
    rewritten = frozenset(rep for rep, rep_inputs in inputs.items() if rep_inputs.to_work_out)
    return DigestReads(inputs, teams, rewritten)


class EvidenceAhead:
    """Each workspace's learned windows, read on a thread of their own while the workspace
    before is built: a 500-rep workspace's evidence is one grouped query over a million
    dials, seconds of the database's time, which would otherwise stall the tick at the start
    of every workspace. At most two workspaces' evidence is held, the one being built and
    the next, as it is most of the tick's memory.

    Read ahead only for a workspace no other tick has started today: where another one
    works (the process that owns it, or a tick that finished it), this tick may win
    nothing, and the evidence is read once it has won a day there.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cache: EvidenceCache,
        now: datetime,
        teams_in_order: Sequence[str],
        *,
        worker: str,
        days: Collection[date],
        parallel: bool = True,
    ) -> None:
        self._factory = session_factory
        self._cache = cache
        self._now = now
        self._worker = worker
        self._days = days
        self._next_team = dict(pairwise(dict.fromkeys(teams_in_order)))
        self._pool = (
            ThreadPoolExecutor(1, thread_name_prefix="digest-evidence") if parallel else None
        )
        self._lock = Lock()
        self._ahead: dict[str, Future[WindowEvidence | None]] = {}
        if teams_in_order and self._pool is not None:
            self._ahead = {
                teams_in_order[0]: self._pool.submit(self._read_unstarted, teams_in_order[0])
            }

    def __enter__(self) -> EvidenceAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def building(self, team_id: str) -> None:
        """The tick has reached `team_id`: the workspaces before it are let go, and the next
        one's evidence is read meanwhile."""
        if self._pool is None:
            return
        following = self._next_team.get(team_id)
        with self._lock:
            ahead = {team_id: self._ahead[team_id]} if team_id in self._ahead else {}
            if following is not None:
                ahead[following] = self._ahead.get(following) or self._pool.submit(
                    self._read_unstarted, following
                )
            self._ahead = ahead

    def evidence(self, session: Session, team_id: str) -> WindowEvidence:
        """The workspace's evidence, for days this tick has won there."""
        with self._lock:
            ahead = self._ahead.get(team_id)
        read = ahead.result() if ahead is not None else None
        if read is not None:
            return read
        if self._pool is None:
            return self._cache.evidence(session, team_id, self._now)
        # Not read ahead: another tick had started here. Kept for the workspace's next batches.
        evidence = self._read(team_id)
        kept: Future[WindowEvidence | None] = Future()
        kept.set_result(evidence)
        with self._lock:
            self._ahead[team_id] = kept
        return evidence

    def _read_unstarted(self, team_id: str) -> WindowEvidence | None:
        with self._factory() as session:
            if store.started_elsewhere(session, team_id, self._days, self._worker):
                return None
        return self._read(team_id)

    def _read(self, team_id: str) -> WindowEvidence:
        # Seconds of a busy database's time for a big workspace, and nobody waiting on it:
        # the limits that keep a rep's reply within Slack's 3 s would only cancel it.
        with (
            self._factory.kw["bind"].connect() as connection,
            without_statement_limits(connection),
            self._factory(bind=connection) as session,
        ):
            return self._cache.evidence(session, team_id, self._now)


def build_batch(
    reads: DigestReads,
    keys: Sequence[DeliveryKey],
    due: dict[DeliveryKey, DigestRecipient],
    now: datetime,
) -> dict[DeliveryKey, dict[str, object]]:
    """The digest message per rep, or an empty dict for reps with nothing due who did not
    ask for empty digests."""
    messages: dict[DeliveryKey, dict[str, object]] = {}
    for key in keys:
        recipient = due[key]
        rep_inputs = reads.inputs[(key.team_id, key.rep_user_id)]
        plan = plan_digest(
            rep_tz=ZoneInfo(recipient.rep.tz),
            now=now,
            prospects=rep_inputs.prospects,
            owed_calls=rep_inputs.owed_calls,
            rules=rep_inputs.rules,
            advisor=reads.evidence[key.team_id].advisor(key.rep_user_id),
            rep_day=recipient.rep.day,
            rep_closed=rep_closed_days(recipient.rep),
            states_for=SHOWN_AT_MOST,
        )
        messages[key] = (
            build_digest_message(plan) if recipient.when_empty or not plan.is_empty else {}
        )
    return messages


Read = TypeVar("Read")


class ReadAhead(Generic[Read]):
    """Claims and reads each batch on a thread while the batch before it is built.

    Reading waits on the database, another process on another core; building keeps this
    process busy. Overlapped, a tick takes as long as the longer of the two rather than
    their sum. Each batch is claimed before it is read, so a batch other ticks won costs
    its claim, never a read.
    """

    def __init__(
        self,
        read: Callable[[Sequence[DeliveryKey]], Read],
        batches: Iterable[Sequence[DeliveryKey]],
        *,
        parallel: bool = True,
    ) -> None:
        self._read = read
        self._batches = iter(batches)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="digest-read") if parallel else None

    def __enter__(self) -> Iterator[Read]:
        return self._reads()

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _reads(self) -> Iterator[Read]:
        if self._pool is None:
            yield from map(self._read, self._batches)
            return
        ahead = self._read_next()
        while ahead is not None:
            read = ahead.result()
            ahead = self._read_next()
            yield read

    def _read_next(self) -> Future[Read] | None:
        batch = next(self._batches, None)
        if batch is None or self._pool is None:
            return None
        return self._pool.submit(self._read, batch)


def reads_in_parallel(session_factory: sessionmaker[Session]) -> bool:
    """SQLite serves this process through one connection: a read on a thread would hold it
    while the tick claims, and the database would work on no other core anyway."""
    bind = session_factory.kw.get("bind")
    return bind is not None and bind.dialect.name != "sqlite"


class _CollectorPause:
    """Python's cycle collector, paused while any batch is read or built.

    A batch allocates hundreds of thousands of objects, all freed by reference counting
    once its messages are built, and the collector would walk the whole heap again and
    again meanwhile (a third of the build's CPU, measured). Reads and builds overlap on two
    threads, so the pause is counted: the collector resumes when the last one ends, between
    batches, and only if it was running when the first began.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._holders = 0
        self._resume = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._resume:
                    gc.enable()


collector_paused = _CollectorPause()


class Postbox:
    """Posts claimed digests (or heads-ups: `kind`) on a pool of threads while the tick
    builds the next batch, and writes their outcomes to the database a batch at a time.

    At most twice `posts_in_flight` messages wait at once, so a fast builder does not pile
    thousands of built digests in memory ahead of Slack. Each is marked POSTING by its own
    thread as its request is about to go, not while it queues.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client_for_team: ClientForTeam,
        worker: str,
        now: datetime,
        report: TickReport,
        posts_in_flight: int,
        kind: str = DAILY,
        *,
        per_second: float | None = None,
        teams: int = 1,
    ) -> None:
        self._factory = session_factory
        self._kind = kind
        self._client_for_team = client_for_team
        self._worker = worker
        self._now = now
        self._report = report
        if per_second is not None:
            posts_in_flight = posts_in_flight_for(
                per_second, SLACK_LATENCY.seconds, teams, posts_in_flight
            )
        self._pool = ThreadPoolExecutor(max(1, posts_in_flight), thread_name_prefix=kind)
        self._room = BoundedSemaphore(2 * max(1, posts_in_flight))
        self._limits = RateLimits(per_second)
        self._lock = Lock()
        self._outcomes: list[store.DeliveryOutcome] = []
        self._posts: list[Future[None]] = []

    def __enter__(self) -> Postbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        self.record()
        # Any unexpected error in a post surfaces here rather than vanishing.
        for post in self._posts:
            post.result()

    def send(
        self, messages: dict[DeliveryKey, dict[str, object]], in_doubt: Collection[DeliveryKey]
    ) -> None:
        """Queue claimed days' messages; an empty message settles the day as EMPTY."""
        for key in [key for key, message in messages.items() if not message]:
            self._settle(store.DeliveryOutcome(key, DeliveryStatus.EMPTY))
        for key in sorted(key for key, message in messages.items() if message):
            self._room.acquire()
            post = self._pool.submit(self._post, key, messages[key], key in in_doubt)
            post.add_done_callback(lambda _: self._room.release())
            self._posts.append(post)

    def record(self) -> None:
        """Write the outcomes gathered so far, in one statement."""
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            with self._factory.begin() as session:
                store.record_outcomes(session, outcomes, self._worker, self._now, self._kind)

    def _post(self, key: DeliveryKey, message: dict[str, object], in_doubt: bool) -> None:
        outcome = deliver(
            self._client_for_team,
            key,
            self._kind,
            lambda client: _timed(post_to_dm, client, key, message, self._kind),
            self._limits,
            begin=lambda: self._begin(key),
            in_doubt=in_doubt,
        )
        if outcome is not None:
            self._settle(outcome)

    def _begin(self, key: DeliveryKey) -> bool:
        return begin_posting(self._factory, key, self._worker, self._kind)

    def _settle(self, outcome: store.DeliveryOutcome) -> None:
        with self._lock:
            self._outcomes.append(outcome)
            self._report.add(outcome.status, outcome.key)


def _timed(
    post: Callable[[WebClient, DeliveryKey, dict[str, object], str], SlackResponse],
    client: WebClient,
    key: DeliveryKey,
    message: dict[str, object],
    kind: str,
) -> SlackResponse:
    """Post, and add how long Slack took to answer to this process's measure."""
    started = time.perf_counter()
    try:
        return post(client, key, message, kind)
    finally:
        SLACK_LATENCY.measured(time.perf_counter() - started)
