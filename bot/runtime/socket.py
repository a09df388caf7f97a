"""Socket Mode with the edge's caps: a message over our own websocket is bounded like a POST.

Slack opens no connection to us here and signs nothing, so there is no signature to check:
the websocket is ours, authenticated by the app-level token. What still applies is the size
and the nesting of what arrives, so a message no HTTP request could carry is dropped before
Bolt walks it, with one log line and never its content.
"""

from __future__ import annotations

import json
import logging
from threading import Event

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.config import Settings
from bot.runtime.app import create_app, open_database
from bot.runtime.edge import MAX_BODY_BYTES, MAX_JSON_DEPTH, Refusal, json_depth
from bot.runtime.scheduler import start_ticks
from bot.runtime.startup import socket_mode_url, unreachable_socket
from bot.services.context import Services
from storage.db import make_session_factory

logger = logging.getLogger("phonetag.edge")
"""Refusals are the edge's lines, whichever door the message came in by."""


def refuse_message(payload: object) -> Refusal | None:
    if not isinstance(payload, dict):
        return Refusal(400, "payload is not a JSON object")
    if json_depth(payload) > MAX_JSON_DEPTH:
        return Refusal(400, f"payload nests deeper than {MAX_JSON_DEPTH}")
    if len(json.dumps(payload).encode()) > MAX_BODY_BYTES:
        return Refusal(413, f"payload over {MAX_BODY_BYTES} bytes")
    return None


class BoundedSocketModeHandler(SocketModeHandler):
    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        refusal = refuse_message(req.payload)
        if refusal is None:
            super().handle(client, req)
            return
        logger.info("refused a Socket Mode %s message: %s", req.type, refusal.reason)
        # Acknowledged, so Slack does not send it again; nothing else is done with it.
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


def run_socket_mode(settings: Settings) -> int:
    """`phonetag socket`: the websocket address is asked for once, bounded (a refused app
    token or an unreachable Slack is one line), then Bolt keeps the connection up and
    reconnects on its own until the process is stopped."""
    url = socket_mode_url(settings)
    engine = open_database(settings)
    services = Services(make_session_factory(engine), settings=settings)
    app = create_app(settings, services)
    handler = BoundedSocketModeHandler(app, settings.slack_app_token)
    handler.client.wss_uri = url
    try:
        handler.connect()
    except Exception as unreachable:
        # Whatever the websocket library raises for a handshake that fails.
        raise unreachable_socket(unreachable) from None
    logging.getLogger("phonetag").info("connected to Slack in Socket Mode")
    in_process = start_ticks(settings, engine, services)
    try:
        Event().wait()
    finally:
        if in_process is not None:
            in_process.shutdown()
        handler.close()
    return 0
