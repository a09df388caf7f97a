"""The one Bolt app that console, serve, socket and the tests all drive."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient, WebhookClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from bot.blocks.modals import form_error_field
from bot.blocks.mrkdwn import escape
from bot.config import Settings
from bot.grammar.slack_text import decode
from bot.runtime.edge import SIGNATURE_MISMATCH, SIGNING_SECRET_HINT, signed_by_slack
from bot.runtime.request_retries import ATTEMPT_SECONDS, request_retry_handlers
from bot.services.context import Services
from bot.services.oauth import oauth_flow
from handlers import register_listeners
from handlers.reps import SlackLeftOut
from storage.db import driver_words, make_engine, upgrade

logger = logging.getLogger("phonetag")

SOMETHING_WENT_WRONG = (
    ":warning: Something went wrong on our side and nothing was saved. Please try again."
)
DATABASE_DOWN = ":warning: Our database is not answering, so nothing was saved. Please retry"
DATA_REFUSED = (
    ":warning: The database refused part of that text (a character or a length it can't"
    " store), so nothing was saved. Take out any unusual characters and send it again."
)
APOLOGY_SECONDS = 1


def web_client(settings: Settings) -> WebClient:
    """The client listeners get (Bolt copies its timeout and retries into each request's):
    its calls, retries included, end within the 3 s Slack waits for the answer."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=ATTEMPT_SECONDS,  # type: ignore[arg-type]  # urllib takes seconds as a float
        retry_handlers=request_retry_handlers(),
    )


def create_app(settings: Settings, services: Services) -> App:
    client = web_client(settings)
    engine = services.session_factory.kw["bind"]
    logger.addFilter(_token_from_environment)
    app = _QuietApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
        logger=logger,
        # Start without Slack: checking the token (auth.test) at start made `serve` die when
        # Slack was unreachable. Bolt asks on the first request instead.
        token_verification_enabled=False,
        oauth_flow=oauth_flow(settings, engine, client) if settings.oauth_enabled else None,
    )
    _log_no_refused_bodies()

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:
        context["services"] = services
        next()

    app.error(error_handler(settings.slack_signing_secret or ""))
    register_listeners(app)
    return app


class _QuietApp(App):
    """Payloads no listener takes (mentions, closed forms, shortcuts, events the manifest
    subscribes to for later) get Slack's 200 with no body and one debug line. Bolt would
    answer 404, which Slack shows as an error, and log a screenful of "[Suggestion]" code
    at warning level for each. Its own hook for exactly that moment, kept whatever order
    listeners were registered in."""

    def _handle_unmatched_requests(self, req: BoltRequest, resp: BoltResponse) -> BoltResponse:
        event = req.body.get("event")
        kind = event.get("type") if isinstance(event, dict) else req.body.get("type")
        logger.debug("acknowledged a %s payload the bot does not handle", kind)
        return BoltResponse(status=200, body="")


def _token_from_environment(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it; the client it keeps carries that same token, so the warning is noise."""
    return "`token` will be unused" not in record.getMessage()


def error_handler(signing_secret: str) -> Callable[..., BoltResponse]:
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def handle_error(error: Exception, body: object, request: BoltRequest) -> BoltResponse:
        """The one place unexpected errors land: log it, tell the rep plainly, never a 500.

        Bolt also lands here when its own signature check raises on malformed headers, with
        the unverified body: that request is refused and nothing in it is acted on, least of
        all its `response_url`. Whatever fails in here is logged, never raised.
        """
        try:
            if not _verified(request, verifier):
                logger.warning("refused an unverified request (%s)", type(error).__name__)
                return BoltResponse(status=401, body={"error": "invalid request"})
            if _is_outage(error):
                # Expected while the database is down or busy: one line each, not a traceback.
                logger.warning(
                    "database did not answer in time, asked the rep to try again: %s",
                    driver_words(error),
                )
            else:
                logger.error("unhandled error in listener", exc_info=error)
            return _tell_the_rep(error, body if isinstance(body, dict) else {})
        except Exception:
            logger.exception("the error handler failed")
            return BoltResponse(status=200, body="")

    return handle_error


def _verified(request: BoltRequest, verifier: SignatureVerifier | None) -> bool:
    """Socket Mode arrives over a connection our app token opened; HTTP must be signed."""
    if request.mode == "socket_mode":
        return True
    if verifier is None:
        return False
    timestamp = request.headers.get("x-slack-request-timestamp", [None])[0]
    signature = request.headers.get("x-slack-signature", [None])[0]
    return signed_by_slack(verifier, request.raw_body, timestamp, signature)


def _tell_the_rep(error: Exception, body: dict[str, Any]) -> BoltResponse:
    if body.get("command"):
        payload = {"response_type": "ephemeral", "text": _apology(error, body)}
        return _json_response(payload)
    if body.get("type") == "view_submission":
        field = form_error_field(body.get("view") or {})
        if field is not None:
            return _json_response(
                {"response_action": "errors", "errors": {field: _form_apology(error)}}
            )
    elif isinstance(body.get("response_url"), str):
        _post_quietly(body["response_url"], _short_apology(error))
    return BoltResponse(status=200, body="")


def _json_response(payload: dict[str, object]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": ["application/json;charset=utf-8"]},
    )


def _post_quietly(response_url: str, text: str) -> None:
    """One short try: the ack waits on it, and an apology that cannot be delivered must not
    become an error of its own."""
    webhook = WebhookClient(response_url, timeout=APOLOGY_SECONDS, retry_handlers=[])
    try:
        webhook.send(text=text, response_type="ephemeral", replace_original=False)
    except Exception as failure:
        logger.warning("could not tell the rep about the error: %s", type(failure).__name__)


def _is_outage(error: Exception) -> bool:
    return isinstance(error, OperationalError | InterfaceError | SQLAlchemyTimeoutError)


def _short_apology(error: Exception) -> str:
    if isinstance(error, SlackLeftOut):
        return error.for_the_rep
    if _is_outage(error):
        return DATABASE_DOWN + "."
    if isinstance(error, DataError):
        # What the grammars' checks missed: the same text fails again, unlike an outage.
        return DATA_REFUSED
    return SOMETHING_WENT_WRONG


def _form_apology(error: Exception) -> str:
    """Shown under a field of the open form; Slack keeps what the rep typed."""
    if isinstance(error, SlackLeftOut):
        return "Slack did not tell us who you are, so nothing was saved — submit again"
    if _is_outage(error):
        return "Our database is not answering, so nothing was saved — submit again"
    if isinstance(error, DataError):
        return "The database refused part of this text, so nothing was saved — edit and submit"
    return "Something went wrong on our side and nothing was saved — submit again"


def _apology(error: Exception, body: dict[str, Any]) -> str:
    """A database outage is the rep's most likely retry: hand back what they typed."""
    if _is_outage(error):
        typed = escape(f"{body['command']} {decode(str(body.get('text') or ''))}".strip())
        return f"{DATABASE_DOWN}:\n```{typed}```"
    return _short_apology(error)


def _log_no_refused_bodies() -> None:
    """Bolt logs the whole body of a request whose signature fails; anyone can send one, so
    the line keeps only that it happened."""
    logging.getLogger("slack_bolt.RequestVerification").addFilter(_WithoutTheBody())


class _WithoutTheBody(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg, record.args = f"refused a request: {SIGNATURE_MISMATCH}", ()
            record.msg += SIGNING_SECRET_HINT
        return True


def open_database(settings: Settings) -> Engine:
    """Embedded SQLite needs no setup step: an empty file is brought up to date on start."""
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    return engine
