"""What Slack sends that the bot does not act on gets a quiet 200: no body, one debug line,
no warning with Bolt's "[Suggestion]" code, and nothing changes."""

from __future__ import annotations

import logging

import pytest

from tests.slack import SlackHarness

WHO = {"team": {"id": "T1", "domain": "acme"}, "user": {"id": "U1", "team_id": "T1"}}


def mention(slack: SlackHarness) -> object:
    event = {"type": "app_mention", "user": "U1", "text": "<@U0PHONETAG> hi", "channel": "C1"}
    return slack.event({**event, "ts": "1.0", "event_ts": "1.0"})


def closed_form(slack: SlackHarness) -> object:
    view = {"id": "V1", "callback_id": "logcall_form", "type": "modal", "state": {"values": {}}}
    return slack.interaction({**WHO, "type": "view_closed", "view": view, "is_cleared": False})


def global_shortcut(slack: SlackHarness) -> object:
    return slack.interaction(
        {**WHO, "type": "shortcut", "callback_id": "not_ours", "trigger_id": "t"}
    )


def message_shortcut(slack: SlackHarness) -> object:
    return slack.interaction(
        {
            **WHO,
            "type": "message_action",
            "callback_id": "not_ours",
            "trigger_id": "t",
            "channel": {"id": "C1"},
            "message": {"ts": "1.0", "text": "hello"},
            "response_url": slack.standin.response_url("U1"),
        }
    )


@pytest.mark.parametrize(
    ("send", "kind"),
    [
        (mention, "app_mention"),
        (closed_form, "view_closed"),
        (global_shortcut, "shortcut"),
        (message_shortcut, "message_action"),
    ],
)
def test_a_payload_the_bot_does_not_handle_is_acknowledged_quietly(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, send: object, kind: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        reply = send(slack)  # type: ignore[operator]

    assert (reply.status, reply.body) == (200, "")  # type: ignore[attr-defined]
    noticed = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noticed == [], [r.getMessage() for r in noticed]
    said = [r.getMessage() for r in caplog.records if "does not handle" in r.getMessage()]
    assert said == [f"acknowledged a {kind} payload the bot does not handle"]
    assert not any("Suggestion" in r.getMessage() for r in caplog.records)
    # Bolt's own authorize asks auth.test about the token; nothing is said to anyone.
    assert {call.method for call in slack.standin.calls} <= {"auth.test"}
