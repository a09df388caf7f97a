"""One digest tick: send every daily digest due at an instant and not sent yet.

Ticks are safe to run anywhere, any number at once (every `serve` worker's scheduler, cron
on several hosts): each rep's day is claimed in the database before anything is built, and
only the claimant posts. The order per rep is claim → build → mark POSTING → post → record.

Never twice, at the price of sometimes never: Slack has no idempotency key for
chat.postMessage, so a post whose outcome is unknown (a read timeout or a dropped
connection after the request went out) is recorded UNKNOWN and not retried, in this tick
or later ones; the rep can still ask for `/digest now`. Retries happen only when the
message provably does not exist: a 429 (Slack refused it), a connection that never
carried the request, or an `ok: false` answer.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from urllib.error import URLError
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digest import build_digest_message
from bot.config import Settings
from bot.insights.digest_plan import plan_digest
from bot.insights.window_advice import WindowEvidence
from bot.rules.schedule import due_date
from bot.services.oauth import NotInstalledError, team_clients
from bot.storage import digest as store
from bot.storage import insights as insights_store
from bot.storage.digest import DAILY, DeliveryKey, DeliveryStatus, DigestRecipient
from bot.storage.installations import installation_store

logger = logging.getLogger(__name__)

ClientForTeam = Callable[[str], WebClient]
"""The Web API client for a workspace: one bot token today, OAuth installations later."""

GONE_ACCOUNTS = frozenset({"user_not_found", "account_inactive", "user_disabled"})
"""Slack errors meaning the rep has left: skip them for the day, keep the others going."""

CLAIM_BATCH = 10
"""Reps claimed at a time: small, so concurrent ticks share the work instead of one tick
claiming everyone and posting alone."""

POSTING_THREADS = 4
"""Posts in flight at once, so one rep's rate-limit wait does not hold up the others."""

LONGEST_RATE_LIMIT_WAIT = 10
"""Seconds of Retry-After worth waiting inside a tick; longer, and the next tick retries."""


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
    previews: dict[DeliveryKey, dict[str, object]] = field(default_factory=dict)

    def add(self, status: DeliveryStatus, key: DeliveryKey) -> None:
        outcomes = {
            DeliveryStatus.SENT: self.sent,
            DeliveryStatus.EMPTY: self.empty,
            DeliveryStatus.FAILED: self.failed,
            DeliveryStatus.SKIPPED: self.skipped,
            DeliveryStatus.UNKNOWN: self.unknown,
        }
        outcomes[status].append(key)

    @property
    def acted(self) -> bool:
        """Whether this tick settled any rep's day (most ticks find nothing left to do)."""
        return any((self.sent, self.empty, self.failed, self.skipped, self.unknown))

    def summary(self) -> str:
        counts = (
            f"{len(self.sent)} sent, {len(self.empty)} with nothing due, "
            f"{len(self.failed)} failed (retried next tick), {len(self.skipped)} skipped "
            f"(account gone), {len(self.unknown)} unknown (not retried)"
        )
        return f"{self.label} tick at {self.now.isoformat()}: {self.due} due; {counts}"


def run_digest_tick(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    *,
    dry_run: bool = False,
    worker: str | None = None,
) -> TickReport:
    """Send every daily digest due at `now` that no tick has sent yet.

    A dry run claims nothing and posts nothing: it returns the messages that are due.
    """
    worker = worker or worker_id()
    report = TickReport(now=now)
    with session_factory() as session:
        recipients = store.digest_recipients(session)
        due = {
            DeliveryKey(r.team_id, r.rep.user_id, day): r
            for r in recipients
            if (day := due_date(r.schedule, now)) is not None
        }
        taken = store.unavailable_deliveries(session, due.keys(), now)
    report.due = len(due)
    evidence: dict[str, WindowEvidence] = {}
    for batch in pending_batches(due.keys(), taken):
        if dry_run:
            report.previews.update(_build(session_factory, batch, due, now, evidence))
            continue
        with session_factory.begin() as session:
            claimed = store.claim_deliveries(session, batch, worker, now)
        if claimed:
            messages = _build(session_factory, claimed, due, now, evidence)
            _deliver_all(session_factory, client_for_team, messages, worker, now, report)
    return report


def pending_batches(
    due: Iterable[DeliveryKey], taken: Collection[DeliveryKey]
) -> Iterator[list[DeliveryKey]]:
    """The due deliveries no tick holds, in claim-sized batches, in random order: concurrent
    ticks start at different reps, so they rarely contend for the same claims."""
    pending = [key for key in due if key not in taken]
    random.shuffle(pending)
    for start in range(0, len(pending), CLAIM_BATCH):
        yield pending[start : start + CLAIM_BATCH]


def worker_id() -> str:
    """Who holds a claim, for the operator reading the deliveries table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-100:]


def _build(
    session_factory: sessionmaker[Session],
    keys: Sequence[DeliveryKey],
    due: dict[DeliveryKey, DigestRecipient],
    now: datetime,
    evidence: dict[str, WindowEvidence],
) -> dict[DeliveryKey, dict[str, object]]:
    """The digest message per rep, or an empty dict for reps with nothing due who did not
    ask for empty digests.

    `evidence` caches each workspace's dials for the whole tick: read once per workspace,
    not once per batch of reps.
    """
    with session_factory() as session:
        inputs = store.digest_inputs(session, [(k.team_id, k.rep_user_id) for k in keys], now)
        for team_id in {key.team_id for key in keys} - evidence.keys():
            evidence[team_id] = insights_store.window_evidence(session, team_id, now)
    messages: dict[DeliveryKey, dict[str, object]] = {}
    for key in keys:
        recipient = due[key]
        rep_inputs = inputs[(key.team_id, key.rep_user_id)]
        plan = plan_digest(
            rep_tz=ZoneInfo(recipient.rep.tz),
            now=now,
            prospects=rep_inputs.prospects,
            owed_calls=rep_inputs.owed_calls,
            rules=rep_inputs.rules,
            advisor=evidence[key.team_id].advisor(key.rep_user_id),
        )
        messages[key] = (
            build_digest_message(plan) if recipient.when_empty or not plan.is_empty else {}
        )
    return messages


def _deliver_all(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    messages: dict[DeliveryKey, dict[str, object]],
    worker: str,
    now: datetime,
    report: TickReport,
) -> None:
    def deliver(key: DeliveryKey) -> None:
        message = messages[key]
        if not message:
            with session_factory.begin() as session:
                store.record_outcome(session, key, worker, DeliveryStatus.EMPTY)
            report.add(DeliveryStatus.EMPTY, key)
            return
        posted = post_once(
            session_factory,
            key,
            worker,
            now,
            lambda: _post_digest(client_for_team(key.team_id), key, message),
        )
        if posted is not None:
            report.add(posted.status, key)

    with ThreadPoolExecutor(POSTING_THREADS, thread_name_prefix="digest") as pool:
        # list() so an unexpected error in any post surfaces here rather than vanishing.
        list(pool.map(deliver, messages))


def _post_digest(client: WebClient, key: DeliveryKey, message: dict[str, object]) -> SlackResponse:
    # A user id as the channel lands in the rep's DM with the bot.
    return client.chat_postMessage(
        channel=key.rep_user_id,
        text=str(message["text"]),
        blocks=message["blocks"],  # type: ignore[arg-type]
        unfurl_links=False,
        unfurl_media=False,
    )


class Posted(NamedTuple):
    status: DeliveryStatus
    channel: str | None = None
    """Where the message landed, when SENT: the rep's DM."""


def post_once(
    session_factory: sessionmaker[Session],
    key: DeliveryKey,
    worker: str,
    now: datetime,
    send: Callable[[], SlackResponse],
    *,
    kind: str = DAILY,
) -> Posted | None:
    """Mark the claimed delivery POSTING, `send` it, record how it went; None if another
    tick took the claim over. `send` makes the one Slack call that creates the message
    (and any idempotent calls before it), and returns that call's response."""
    with session_factory.begin() as session:
        if not store.start_posting(session, key, worker, now, kind):
            return None
    error: str | None = None
    try:
        response = send()
    except SlackApiError as refused:
        error = str(refused.response.get("error") or "slack_error")
        status = DeliveryStatus.SKIPPED if error in GONE_ACCOUNTS else DeliveryStatus.FAILED
    except NotInstalledError:
        error, status = "app not installed in this workspace", DeliveryStatus.SKIPPED
    except URLError as unreachable:
        # Raised while connecting or sending: Slack never got the whole request.
        error, status = f"unreachable: {unreachable.reason}", DeliveryStatus.FAILED
    except (TimeoutError, ConnectionError, http.client.HTTPException) as lost:
        error, status = f"outcome unknown: {type(lost).__name__}", DeliveryStatus.UNKNOWN
    else:
        channel = str(response["channel"])
        with session_factory.begin() as session:
            store.record_sent(session, key, worker, channel, str(response["ts"]), now, kind)
        return Posted(DeliveryStatus.SENT, channel)
    log = logger.info if status is DeliveryStatus.SKIPPED else logger.warning
    log("%s for %s/%s %s: %s", kind, key.team_id, key.rep_user_id, status.value, error)
    with session_factory.begin() as session:
        store.record_outcome(session, key, worker, status, error, kind)
    return Posted(status)


class UnsentRequestRetryHandler(RetryHandler):
    """Retries only when the request provably never reached Slack.

    slack_sdk's ConnectionErrorRetryHandler also retries a reset or a closed connection
    while waiting for the answer; by then Slack may have posted the message, and a retry
    would post it twice. urllib raises URLError only while connecting or sending.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is None and isinstance(error, URLError)


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After when it is short; a long one fails this attempt (the
    message was refused, so nothing exists) and a later tick tries again."""

    def __init__(self, max_retry_count: int = 2, longest_wait: int = LONGEST_RATE_LIMIT_WAIT):
        super().__init__(max_retry_count=max_retry_count)
        self.longest_wait = longest_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        if not waits:
            return True
        wait = waits[0][0] if isinstance(waits[0], list) else waits[0]
        return str(wait).isdigit() and int(wait) <= self.longest_wait


def digest_web_client(settings: Settings) -> WebClient:
    """The Web API client for posting digests: retries that can never post twice."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[UnsentRequestRetryHandler(max_retry_count=2), ShortRateLimitRetryHandler()],
    )


def team_web_clients(settings: Settings, engine: Engine) -> ClientForTeam:
    """One bot token for every team, or each installed workspace's own token under OAuth."""
    store = (
        installation_store(engine, settings.slack_client_id)
        if settings.oauth_enabled and settings.slack_client_id
        else None
    )
    return team_clients(digest_web_client(settings), store)
