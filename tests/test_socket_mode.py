"""Socket Mode: envelopes reach the same listeners as HTTP, without a signature or a URL."""

from __future__ import annotations

import json

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import ids
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
