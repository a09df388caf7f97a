"""The one Bolt app that console, serve, socket and the tests all drive."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from bot.blocks.mrkdwn import escape
from bot.config import Settings
from bot.grammar.slack_text import decode
from bot.handlers import register_listeners
from bot.services.context import Services
from bot.services.oauth import oauth_flow
from bot.storage.db import make_engine, make_session_factory, upgrade

logger = logging.getLogger("phonetag")

SOMETHING_WENT_WRONG = (
    ":warning: Something went wrong on our side and nothing was saved. Please try again."
)
DATABASE_DOWN = ":warning: Our database is not answering, so nothing was saved. Please retry"
DATA_REFUSED = (
    ":warning: The database refused part of that text (a character or a length it can't"
    " store), so nothing was saved. Take out any unusual characters and send it again."
)


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
    logger.addFilter(_token_from_environment)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
        logger=logger,
        # Start without Slack: checking the token (auth.test) at start made `serve` die when
        # Slack was unreachable. Bolt asks on the first request instead.
        token_verification_enabled=False,
        oauth_flow=oauth_flow(settings, engine, client) if settings.oauth_enabled else None,
    )

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:
        context["services"] = services
        next()

    app.error(handle_error)
    register_listeners(app)
    return app


def _token_from_environment(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it; the client it keeps carries that same token, so the warning is noise."""
    return "`token` will be unused" not in record.getMessage()


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
        typed = escape(f"{body['command']} {decode(str(body.get('text') or ''))}".strip())
        return f"{DATABASE_DOWN}:\n```{typed}```"
    if isinstance(error, DataError):
        # What the grammars' checks missed: the same text fails again, unlike an outage.
        return DATA_REFUSED
    return SOMETHING_WENT_WRONG


def open_database(settings: Settings) -> Engine:
    """Embedded SQLite needs no setup step: an empty file is brought up to date on start."""
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    return engine


def build_app(settings: Settings, engine: Engine) -> App:
    return create_app(
        settings, Services(session_factory=make_session_factory(engine), settings=settings)
    )
