"""Posting scheduled messages to reps' DMs (digests, weekly pictures, reminders): once each,
within Slack's rate limits.

Never twice: Slack has no idempotency key for chat.postMessage, so every delivery carries
message metadata naming it. A post whose outcome is unknown (a read timeout, a dropped
connection after the request went out, a 5xx, an answer that is not Slack's, or `ok`
without a `ts`) is recorded UNKNOWN; the tick that claims the day next reads the rep's DM
(`conversations.history`) and posts again only if the message is not there. A 429 (Slack
refused it) pauses every post to that workspace for its Retry-After. The states and the
retries are described once, in docs/digest-and-reminders.md.
"""

from __future__ import annotations

import http.client
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime
from threading import Lock
from typing import NamedTuple
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.oauth import NotInstalledError, team_clients
from storage import digest as store
from storage.digest import DAILY, WEEKLY, DeliveryKey, DeliveryStatus
from storage.installations import installation_store

logger = logging.getLogger(__name__)

ClientForTeam = Callable[[str], WebClient]
"""The Web API client for a workspace: one bot token today, OAuth installations later."""

GONE_ACCOUNTS = frozenset({"user_not_found", "account_inactive", "user_disabled"})
"""Slack errors meaning the rep has left: skip them for the day, keep the others going."""

LONGEST_RATE_LIMIT_WAIT = 10
"""Seconds of Retry-After worth waiting inside a tick; longer, and the post is FAILED and
retried after its wait."""

RATE_LIMIT_RETRIES = 2
"""Refused posts retried within a tick, each after its Retry-After."""

EVENT_TYPES = {DAILY: "phonetag_digest", WEEKLY: "phonetag_weekly"}
"""Message metadata `event_type` per kind of delivery: how an earlier post is recognised.
Other kinds (each reminder) are `phonetag_` and the kind in Slack's letters."""

HISTORY_LIMIT = 20
"""Newest messages of the DM read for an earlier post. A day's delivery is looked for on its
day, and a rep's DM with the bot gets a few messages a day, so an earlier post is among
them; reading by count rather than by time also holds when clocks disagree."""


def post_to_dm(
    client: WebClient, key: DeliveryKey, message: dict[str, object], kind: str
) -> SlackResponse:
    """A scheduled message (text and blocks) in the rep's DM, carrying its delivery's
    metadata; a user id as the channel lands in the rep's DM with the bot."""
    return client.chat_postMessage(
        channel=key.rep_user_id,
        text=str(message["text"]),
        blocks=message["blocks"],  # type: ignore[arg-type]
        metadata=delivery_metadata(key, kind),
        unfurl_links=False,
        unfurl_media=False,
    )


def delivery_metadata(key: DeliveryKey, kind: str) -> dict[str, object]:
    """What a posted delivery carries, so a later tick can tell it is already in the DM."""
    return {"event_type": event_type(kind), "event_payload": _payload(key)}


def event_type(kind: str) -> str:
    return EVENT_TYPES.get(kind) or "phonetag_" + re.sub(r"[^a-z0-9_]", "_", kind.lower())


def _payload(key: DeliveryKey) -> dict[str, str]:
    return {
        "team_id": key.team_id,
        "rep_user_id": key.rep_user_id,
        "local_date": key.local_date.isoformat(),
    }


CATCH_UP = 2
"""Posts a paced workspace may send in quick succession after a pause: fewer than the short
burst Slack tolerates over its pace."""


class RateLimits:
    """Each workspace's pace and Retry-After, shared by every post in flight.

    With `per_second` (the workspace's posting budget, PHONETAG_SLACK_POSTS_PER_SECOND),
    posts to one workspace are spaced to it, so a morning's posts meet Slack's limit instead
    of its 429s; workspaces are paced apart, side by side. After a 429 the other posts to
    that workspace wait out its Retry-After too instead of collecting 429s of their own.
    """

    def __init__(self, per_second: float | None = None) -> None:
        self._lock = Lock()
        self._until: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._gap = 1 / per_second if per_second else 0.0

    def wait(self, team_id: str) -> None:
        """Until this post may go: after the workspace's Retry-After, and one pace's gap after
        the workspace's last post. Nothing is booked ahead: whoever is ready when the gap
        ends goes, so posts held up meanwhile (a busy interpreter) do not then go at once;
        after such a pause, at most CATCH_UP posts go closer together than the pace."""
        while True:
            with self._lock:
                now = time.monotonic()
                pause = self._until.get(team_id, 0.0) - now
                if pause <= 0 and self._gap:
                    ready = self._next.get(team_id, 0.0)
                    if now >= ready:
                        self._next[team_id] = max(ready, now - CATCH_UP * self._gap) + self._gap
                    pause = ready - now
            if pause <= 0:
                return
            time.sleep(pause)

    def hold(self, team_id: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._until[team_id] = max(self._until.get(team_id, 0.0), until)


class SlackLatency:
    """How long Slack takes to answer a post, averaged over the latest posts of this process:
    how many posts must be in flight to keep each workspace at its pace."""

    def __init__(self, guess: float = 0.5, weight: float = 0.05) -> None:
        self._lock = Lock()
        self._seconds = guess
        self._weight = weight

    @property
    def seconds(self) -> float:
        with self._lock:
            return self._seconds

    def measured(self, seconds: float) -> None:
        with self._lock:
            self._seconds += self._weight * (seconds - self._seconds)


SLACK_LATENCY = SlackLatency()
"""This process's measure, kept across ticks (the first tick's guess is generous)."""


def posts_in_flight_for(per_second: float, latency: float, teams: int, most: int) -> int:
    """Posts to have waiting on Slack at once: each workspace's pace times the time an answer
    takes, half again for the answers that come slow, and one more; at most `most`."""
    per_team = math.ceil(per_second * latency * 1.5) + 1
    return max(1, min(most, per_team * max(1, teams)))


class Posted(NamedTuple):
    status: DeliveryStatus
    channel: str | None = None
    """Where the message landed, when SENT: the rep's DM."""


DM_CHECK_FAILURES = (
    SlackApiError,
    NotInstalledError,
    URLError,
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,
)
"""How reading the DM for an earlier post can fail; the day stays in doubt, no attempt spent."""


def deliver(
    client_for_team: ClientForTeam,
    key: DeliveryKey,
    kind: str,
    send: Callable[[WebClient], SlackResponse],
    limits: RateLimits,
    *,
    begin: Callable[[], bool],
    in_doubt: bool = False,
) -> store.DeliveryOutcome | None:
    """Post a claimed day's message (`send` makes the one call that creates it, with the
    workspace's client) and say how it went.

    A day `in_doubt` (an earlier post may have landed) is looked for in the DM first: found,
    it is SENT; if the DM cannot be read it stays UNKNOWN, no attempt spent. `begin` marks
    the day POSTING just before the request goes; None if it says the claim was lost.
    """
    if in_doubt:
        looked = look_in_dm(client_for_team, key, kind)
        if looked is not None:
            return looked
    if not begin():
        return None
    error: str | None = None
    try:
        client = client_for_team(key.team_id)
        response = _send_within_rate_limits(key.team_id, lambda: send(client), limits)
    except SlackApiError as refused:
        error = _slack_error(refused)
        if _uncertain(refused):
            status = DeliveryStatus.UNKNOWN
            error = f"outcome unknown: HTTP {refused.response.status_code} {error}"
        elif error in GONE_ACCOUNTS:
            status = DeliveryStatus.SKIPPED
        else:
            status = DeliveryStatus.FAILED
    except NotInstalledError:
        error, status = "app not installed in this workspace", DeliveryStatus.SKIPPED
    except URLError as unreachable:
        # Raised while connecting or sending: Slack never got the whole request.
        error, status = f"unreachable: {unreachable.reason}", DeliveryStatus.FAILED
    except (TimeoutError, ConnectionError, http.client.HTTPException) as lost:
        error, status = f"outcome unknown: {type(lost).__name__}", DeliveryStatus.UNKNOWN
    else:
        channel, ts = response.get("channel"), response.get("ts")
        if channel and ts:
            return store.DeliveryOutcome(key, DeliveryStatus.SENT, str(channel), str(ts))
        error, status = (
            "outcome unknown: answered ok without channel and ts",
            DeliveryStatus.UNKNOWN,
        )
    return _logged(store.DeliveryOutcome(key, status, error=error), kind)


def look_in_dm(
    client_for_team: ClientForTeam, key: DeliveryKey, kind: str
) -> store.DeliveryOutcome | None:
    """SENT if an earlier post of this delivery is in the rep's DM, UNKNOWN (still in doubt)
    if the DM cannot be read, None if it is not there."""
    try:
        earlier = _find_earlier_post(client_for_team(key.team_id), key, kind)
    except DM_CHECK_FAILURES as failed:
        reason = (
            _slack_error(failed) if isinstance(failed, SlackApiError) else type(failed).__name__
        )
        outcome = store.DeliveryOutcome(
            key, DeliveryStatus.UNKNOWN, error=f"outcome unknown: DM not readable: {reason}"
        )
        return _logged(outcome, kind)
    if earlier is None:
        return None
    channel, ts = earlier
    return store.DeliveryOutcome(key, DeliveryStatus.SENT, channel, ts)


def failure_reason(failed: Exception) -> str:
    """Slack's error code, or the exception's name: short enough for the deliveries table."""
    if isinstance(failed, SlackApiError):
        return _slack_error(failed)
    return type(failed).__name__


def _logged(outcome: store.DeliveryOutcome, kind: str) -> store.DeliveryOutcome:
    log = logger.info if outcome.status is DeliveryStatus.SKIPPED else logger.warning
    key = outcome.key
    log("%s for %s/%s %s: %s", kind, key.team_id, key.rep_user_id, outcome.status, outcome.error)
    return outcome


def post_once(
    session_factory: sessionmaker[Session],
    key: DeliveryKey,
    worker: str,
    now: datetime,
    client_for_team: ClientForTeam,
    send: Callable[[WebClient], SlackResponse],
    *,
    kind: str = DAILY,
    limits: RateLimits | None = None,
    in_doubt: bool = False,
) -> Posted | None:
    """One claimed day, posted on its own: `deliver` (marking it POSTING just before the
    request), then record the outcome; None if another tick took the claim over. `send`
    makes the one Slack call that creates the message (and any idempotent calls before it),
    and returns that call's response."""

    outcome = deliver(
        client_for_team,
        key,
        kind,
        send,
        limits or RateLimits(),
        begin=lambda: begin_posting(session_factory, key, worker, kind),
        in_doubt=in_doubt,
    )
    if outcome is None:
        return None
    with session_factory.begin() as session:
        store.record_outcomes(session, [outcome], worker, now, kind)
    return Posted(outcome.status, outcome.channel)


def begin_posting(
    session_factory: sessionmaker[Session], key: DeliveryKey, worker: str, kind: str
) -> bool:
    """Mark the day POSTING as its request is about to go; False if the claim was lost, or
    if the database could not say (a busy SQLite, a database away): then nothing is posted,
    and the day, still claimed, is taken over once its lease lapses."""
    try:
        with session_factory.begin() as session:
            return store.start_posting(session, key, worker, kind)
    except SQLAlchemyError as problem:
        logger.warning(
            "%s for %s/%s not posted, its claim unconfirmed: %s",
            kind,
            key.team_id,
            key.rep_user_id,
            briefly(problem),
        )
        return False


def briefly(problem: SQLAlchemyError) -> str:
    """A database error in one line: the driver's reason, without the SQL SQLAlchemy appends
    (an expected outage is a warning line, not a page of text)."""
    reason = str(getattr(problem, "orig", None) or problem).strip()
    return reason.splitlines()[0] if reason else type(problem).__name__


def _send_within_rate_limits(
    team_id: str, send: Callable[[], SlackResponse], limits: RateLimits
) -> SlackResponse:
    """A refused post (429) is retried after its Retry-After, which holds every post to the
    workspace; a wait longer than a tick should spend fails this attempt for a later tick."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        limits.wait(team_id)
        try:
            return send()
        except SlackApiError as refused:
            wait = _retry_after(refused)
            if wait is None or wait > LONGEST_RATE_LIMIT_WAIT or attempt == RATE_LIMIT_RETRIES:
                raise
            limits.hold(team_id, wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(refused: SlackApiError) -> float | None:
    """Seconds to wait for a 429; None for any other answer."""
    if refused.response.status_code != 429:
        return None
    headers = {name.lower(): value for name, value in (refused.response.headers or {}).items()}
    value = headers.get("retry-after", "1")
    value = value[0] if isinstance(value, list) else value
    return float(value) if str(value).isdigit() else None


def _uncertain(refused: SlackApiError) -> bool:
    """A 5xx, or an answer that is not Slack's JSON (a proxy's HTML page): Slack may have
    posted the message before the answer went wrong."""
    data = refused.response.data
    return refused.response.status_code >= 500 or not isinstance(data, dict) or "ok" not in data


def _slack_error(refused: SlackApiError) -> str:
    data = refused.response.data
    return str(data.get("error") or "slack_error") if isinstance(data, dict) else "not_json"


def _find_earlier_post(client: WebClient, key: DeliveryKey, kind: str) -> tuple[str, str] | None:
    """(channel, ts) of this delivery's message if an earlier attempt did post it.

    Reads the newest few messages of the rep's DM, metadata included; conversations.open is
    idempotent and gives the DM's id, which history needs.
    """
    channel = str(client.conversations_open(users=key.rep_user_id)["channel"]["id"])
    history = client.conversations_history(
        channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
    )
    wanted = delivery_metadata(key, kind)
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == wanted["event_type"]
            and metadata.get("event_payload") == wanted["event_payload"]
        ):
            return channel, str(message["ts"])
    return None


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


def digest_web_client(settings: Settings) -> WebClient:
    """The Web API client for posting digests: retries that can never post twice."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        # 429s are waited out per workspace by the tick itself (RateLimits).
        retry_handlers=[UnsentRequestRetryHandler(max_retry_count=2)],
        logger=_client_logger(),
    )


def _client_logger() -> logging.Logger:
    """slack_sdk writes every request's whole body into a debug message, then drops it,
    whenever its logger has no level of its own (it asks `logger.level`, not whether debug
    is on): for a digest, the text of 50 blocks on every post, a fifth of the post's CPU.
    A level of INFO spares it; warnings and errors still reach the log."""
    client_logger = logging.getLogger(f"{__name__}.slack")
    client_logger.setLevel(logging.INFO)
    return client_logger


def team_web_clients(settings: Settings, engine: Engine) -> ClientForTeam:
    """One bot token for every team, or each installed workspace's own token under OAuth."""
    store = (
        installation_store(engine, settings.slack_client_id)
        if settings.oauth_enabled and settings.slack_client_id
        else None
    )
    return team_clients(digest_web_client(settings), store)
