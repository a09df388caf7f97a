"""Posting scheduled messages to reps' DMs (digests, weekly pictures, reminders): once each,
within Slack's rate limits.

Never twice: Slack has no idempotency key for chat.postMessage, so every delivery carries
message metadata naming it. A post whose outcome is unknown (a read timeout, a dropped
connection after the request went out, a 5xx, an answer that is not Slack's, or `ok`
without a `ts`) is recorded UNKNOWN; the next tick that claims the day reads the rep's DM
(`conversations.history`) and posts again only if the message is not there. A 429 (Slack
refused it) pauses every post to that workspace for its Retry-After.
"""

from __future__ import annotations

import http.client
import logging
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
"""Seconds of Retry-After worth waiting inside a tick; longer, and the next tick retries."""

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


class RateLimits:
    """Each workspace's Retry-After, shared by every post in flight: after a 429, the other
    posts to that workspace wait too instead of collecting 429s of their own."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._until: dict[str, float] = {}

    def wait(self, team_id: str) -> None:
        with self._lock:
            until = self._until.get(team_id, 0.0)
        pause = until - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def hold(self, team_id: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._until[team_id] = max(self._until.get(team_id, 0.0), until)


class Posted(NamedTuple):
    status: DeliveryStatus
    channel: str | None = None
    """Where the message landed, when SENT: the rep's DM."""


def deliver(
    client_for_team: ClientForTeam,
    key: DeliveryKey,
    kind: str,
    send: Callable[[WebClient], SlackResponse],
    limits: RateLimits,
    *,
    tried: bool = False,
) -> store.DeliveryOutcome:
    """Post a claimed day's message (`send` makes the one call that creates it, with the
    workspace's client) and say how it went. A day `tried` before is looked for in the DM
    first, and not posted again if it is there."""
    error: str | None = None
    try:
        client = client_for_team(key.team_id)
        if tried:
            earlier = _find_earlier_post(client, key, kind)
            if earlier is not None:
                channel, ts = earlier
                return store.DeliveryOutcome(key, DeliveryStatus.SENT, channel, ts)
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
    log = logger.info if status is DeliveryStatus.SKIPPED else logger.warning
    log("%s for %s/%s %s: %s", kind, key.team_id, key.rep_user_id, status.value, error)
    return store.DeliveryOutcome(key, status, error=error)


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
) -> Posted | None:
    """One claimed day, posted on its own: mark it POSTING, `deliver`, record the outcome;
    None if another tick took the claim over. `send` makes the one Slack call that creates
    the message (and any idempotent calls before it), and returns that call's response."""
    with session_factory.begin() as session:
        if not store.start_posting(session, key, worker, now, kind):
            return None
        tried = bool(store.tried_before(session, [key], kind) - {key}) or _retried(
            session, key, kind
        )
    outcome = deliver(client_for_team, key, kind, send, limits or RateLimits(), tried=tried)
    with session_factory.begin() as session:
        store.record_outcomes(session, [outcome], worker, now, kind)
    return Posted(outcome.status, outcome.channel)


def _retried(session: Session, key: DeliveryKey, kind: str) -> bool:
    """Started posting more than once: an earlier attempt may be in the DM."""
    row = store.delivery_row(session, key.team_id, key.rep_user_id, key.local_date, kind)
    return row is not None and row.attempts > 1


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
