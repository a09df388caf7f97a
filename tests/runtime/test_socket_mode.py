"""Socket Mode: envelopes reach the same listeners as HTTP, without a signature or a URL."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest
from sqlalchemy import select
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bot import ids
from bot.runtime.edge import Refusal
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.socket import refuse_message
from storage.models import CallLogRow
from tests.engines import roomy_engine
from tests.servers import ROOT
from tests.slack import SlackHarness


def envelope(kind: str, payload: dict[str, object], retry: int | None = None) -> SocketModeRequest:
    return SocketModeRequest(
        type=kind, envelope_id=f"env-{kind}", payload=payload, retry_attempt=retry
    )


def test_a_slash_command_over_socket_mode_is_logged_and_answered(slack: SlackHarness) -> None:
    handler = SocketModeHandler(slack.app, "xapp-1-A0-test")
    assert handler.app is slack.app
    command = {
        "command": ids.LOGCALL,
        "text": "Jane Doe vm phone:+1 212 555 0143",
        "team_id": "T1",
        "user_id": "U1",
        "channel_id": "DU1",
        "response_url": slack.standin.response_url("socket"),
        "trigger_id": "socket-trigger",
    }
    reply = run_bolt_app(slack.app, envelope("slash_commands", command))
    assert reply.status == 200
    assert "Voicemail left" in json.loads(reply.body)["text"]


def test_a_retried_socket_mode_event_is_processed_once(slack: SlackHarness) -> None:
    seen: list[str] = []
    slack.app.event("app_mention")(lambda ack, event: (ack(), seen.append(event["text"])))
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "EvSocket1",
        "event": {"type": "app_mention", "text": "hi", "user": "U1", "channel": "C1"},
    }
    run_bolt_app(slack.app, envelope("events_api", event))
    run_bolt_app(slack.app, envelope("events_api", event, retry=1))
    assert seen == ["hi"]


def test_phonetag_socket_logs_a_call_over_a_real_websocket(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    """The whole `phonetag socket` process: it asks the Web API for a connection, opens the
    websocket, acks a message nested past the edge's cap without acting on it, and acks
    Slack's envelope with the reply the rep sees."""
    acks: queue.Queue[dict[str, Any]] = queue.Queue()
    nested: dict[str, object] = {}
    for _ in range(100):
        nested = {"x": nested}

    def slack_side(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        deep = {"command": ids.LOGCALL, "text": "Deep Doe vm", "team_id": "T1", "user_id": "U1"}
        connection.send(
            json.dumps(
                {
                    "envelope_id": "env-deep",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": {**deep, "nested": nested},
                }
            )
        )
        acks.put(json.loads(connection.recv(timeout=60)))
        connection.send(
            json.dumps(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": {
                        "command": ids.LOGCALL,
                        "text": "Jane Doe vm phone:+1 212 555 0143",
                        "team_id": "T1",
                        "user_id": "U1",
                        "channel_id": "DU1",
                        "response_url": standin.response_url("socket"),
                        "trigger_id": "socket-trigger",
                    },
                }
            )
        )
        acks.put(json.loads(connection.recv(timeout=60)))
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            connection.recv(timeout=60)  # held open until the process is stopped

    database = tmp_path / "socket.db"
    with serve(slack_side, "127.0.0.1", 0) as websocket_server:
        threading.Thread(target=websocket_server.serve_forever, daemon=True).start()
        standin.socket_mode_url = f"ws://127.0.0.1:{websocket_server.socket.getsockname()[1]}/"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SLACK_APP_TOKEN": "xapp-1-A0PHONETAG-socket",
            "SLACK_BOT_TOKEN": "xoxb-socket",
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": f"sqlite:///{database}",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            refused = acks.get(timeout=60)
            ack = acks.get(timeout=60)
        finally:
            process.terminate()
            process.wait(timeout=30)
            websocket_server.shutdown()
    assert refused == {"envelope_id": "env-deep"}
    assert ack["envelope_id"] == "env-1"
    assert "Voicemail left" in ack["payload"]["text"]
    engine = roomy_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        assert session.scalars(select(CallLogRow.outcome)).all() == ["vm"]
    engine.dispose()


def test_socket_messages_are_bounded_like_http_bodies() -> None:
    assert refuse_message({"command": ids.LOGCALL, "text": "Jane Doe vm"}) is None
    assert refuse_message(["not", "an", "object"]) == Refusal(400, "payload is not a JSON object")
    huge = refuse_message({"text": "x" * 1_000_001})
    assert huge is not None and huge.status == 413
