"""The one Bolt app that console, serve, socket and the tests all drive."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import Protocol

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.mrkdwn import escape
from bot.oauth import oauth_flow
from handlers import register_listeners
from storage.db import make_engine, make_session_factory, upgrade
from storage.insights import EvidenceCache

logger = logging.getLogger("phonetag")

SOMETHING_WENT_WRONG = (
    ":warning: Something went wrong on our side and nothing was saved. Please try again."
)
DATABASE_DOWN = ":warning: Our database is not answering, so nothing was saved. Please retry"


Job = Callable[[], None]
# Learned windows weigh months of dials; the App Home may show ones this old.
EVIDENCE_REUSE = timedelta(minutes=15)
HOME_SETTLE_SECONDS = 1.0
"""How long a Home refresh waits after the call that asked for it, so a rep's burst of calls
ends in one refresh (measured: one client hammering with the Home open went from 66 to 215
req/s). The rep reads the reply in the channel first; a second is less than the trip to the
Home tab."""


class Later(Protocol):
    def __call__(self, job: Job, key: Hashable | None = None) -> object: ...


@dataclass(frozen=True)
class Services:
    """What listeners need beyond Slack's own arguments, handed over through Bolt's context.

    `later` runs work the rep need not wait for (refreshing the App Home) after the ack:
    Slack gives us 3 seconds, and the reply should not spend them on a dashboard. `imports`
    runs CSV imports shared in the DM, which take seconds and so get a queue of their own.
    """

    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    later: Later = field(default_factory=lambda: background_runner(settle=HOME_SETTLE_SECONDS))
    imports: Later = field(default_factory=lambda: background_runner())
    evidence: EvidenceCache = field(default_factory=lambda: EvidenceCache(EVIDENCE_REUSE))


def background_runner(threads: int = 1, settle: float = 0.0) -> Later:
    """Runs jobs on a small pool; a job queued under a key that is already waiting is dropped.

    A rep logging calls in a burst needs one Home refresh, not one per call: the waiting one
    will read the latest state. A job waits `settle` seconds before it starts, so a burst
    has time to gather behind it; its key is freed when it starts, so a change made while a
    refresh runs still gets its own.

    One thread by default: the work is Python that holds the GIL, and more threads of it take
    turns from the threads answering requests (measured: 32 clients with every Home open got
    half the throughput with four). Queued refreshes merge per rep, so under load the Homes
    lag a little rather than the replies.
    """
    pool = ThreadPoolExecutor(threads, thread_name_prefix="after-ack")
    waiting: set[Hashable] = set()
    lock = Lock()

    def run_logged(job: Job, key: Hashable | None, due: float) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        with lock:
            waiting.discard(key)
        try:
            job()
        except Exception:
            # Background work's app.error: nobody waits on a reply, so log it loudly.
            logger.exception("background work after the ack failed")

    def submit(job: Job, key: Hashable | None = None) -> object:
        if key is not None:
            with lock:
                if key in waiting:
                    return None
                waiting.add(key)
        return pool.submit(run_logged, job, key, time.monotonic() + settle)

    return submit


def web_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(settings: Settings, services: Services) -> App:
    client = web_client(settings)
    engine = services.session_factory.kw["bind"]
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
        logger=logger,
        oauth_flow=oauth_flow(settings, engine, client) if settings.oauth_enabled else None,
    )

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:
        context["services"] = services
        next()

    app.error(handle_error)
    register_listeners(app)
    return app


def handle_error(error: Exception, body: dict[str, object], respond: Respond) -> BoltResponse:
    """The one place unexpected errors land: log it, tell the rep plainly, never a 500."""
    logger.exception("unhandled error in listener", exc_info=error)
    if body.get("command"):
        payload = {"response_type": "ephemeral", "text": _apology(error, body)}
        return BoltResponse(
            status=200,
            body=json.dumps(payload),
            headers={"content-type": ["application/json;charset=utf-8"]},
        )
    if body.get("response_url"):
        respond(text=SOMETHING_WENT_WRONG, response_type="ephemeral", replace_original=False)
    return BoltResponse(status=200, body="")


def _apology(error: Exception, body: dict[str, object]) -> str:
    """A database outage is the rep's most likely retry: hand back what they typed."""
    if isinstance(error, OperationalError | InterfaceError | SQLAlchemyTimeoutError):
        typed = escape(f"{body['command']} {body.get('text') or ''}".strip())
        return f"{DATABASE_DOWN}:\n```{typed}```"
    return SOMETHING_WENT_WRONG


def open_database(settings: Settings) -> Engine:
    """Embedded SQLite needs no setup step: an empty file is brought up to date on start."""
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    return engine


def build_app(settings: Settings, engine: Engine) -> App:
    return create_app(settings, Services(session_factory=make_session_factory(engine)))
