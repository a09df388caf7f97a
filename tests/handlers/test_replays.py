"""A signed command or click posted again within Slack's five minutes is processed once."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest
from sqlalchemy import select

from bot import ids
from bot.runtime.scheduler import forget_old_claims
from bot.runtime.signing import signed_headers
from storage import queries
from storage.models import CallLogRow, ProcessedEventRow
from tests.handlers.interactions import count, responses, who
from tests.slack import SIGNING_SECRET, SlackHarness, logcall_body


def test_a_replayed_logcall_logs_one_voicemail_and_lays_off_once(slack: SlackHarness) -> None:
    body = logcall_body(slack.standin.response_url("T1-U1"), "Jane Doe vm phone:+1 212 555 0143")
    headers = signed_headers(SIGNING_SECRET, body)
    first, *replays = [slack.post(body, headers) for _ in range(3)]
    assert "Voicemail left" in first.json["text"]
    assert [(r.status, r.body) for r in replays] == [(200, ""), (200, "")]
    with slack.session_factory() as session:
        assert session.scalars(select(CallLogRow.outcome)).all() == ["vm"]
    again = slack.command(ids.LOGCALL, "Jane Doe vm")
    assert "2 of 3" in again.text, "the cadence counts one voicemail before this one"


def test_the_same_words_typed_twice_are_two_calls(slack: SlackHarness) -> None:
    """Only a copy of one request is a replay: Slack signs each command a rep sends anew."""
    slack.command(ids.LOGCALL, "Jane Doe noanswer")
    slack.command(ids.LOGCALL, "Jane Doe noanswer")
    assert count(slack, CallLogRow) == 2


def test_a_replayed_click_acts_once(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm")
    second = slack.command(ids.LOGCALL, "Jane Doe noanswer")
    [undo] = [
        element["value"]
        for block in second.json["blocks"]  # type: ignore[union-attr]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ids.LOGCALL_UNDO
    ]
    slack.standin.clear()
    payload = {
        "type": "block_actions",
        **who("U1", "T1"),
        "trigger_id": "13345224609.738474920.click",
        "response_url": slack.standin.response_url("T1-U1"),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": "DU1", "name": "directmessage"},
        "actions": [{"action_id": ids.LOGCALL_UNDO, "type": "button", "value": undo}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = signed_headers(SIGNING_SECRET, body)
    assert [slack.post(body, headers).status for _ in range(3)] == [200, 200, 200]
    assert count(slack, CallLogRow) == 1
    assert len(responses(slack)) == 1, "the replays say nothing (not even 'already undone')"


def test_socket_mode_commands_are_claimed_by_trigger_id(slack: SlackHarness) -> None:
    command = {
        "command": ids.LOGCALL,
        "text": "Jane Doe vm",
        "team_id": "T1",
        "user_id": "U1",
        "channel_id": "DU1",
        "response_url": slack.standin.response_url("socket"),
        "trigger_id": "socket-trigger-7",
    }
    envelope = SocketModeRequest(type="slash_commands", envelope_id="e1", payload=command)
    first = run_bolt_app(slack.app, envelope)
    again = run_bolt_app(slack.app, envelope)
    assert "Voicemail left" in json.loads(first.body)["text"]
    assert again.body == ""
    assert count(slack, CallLogRow) == 1


def test_claims_are_forgotten_after_a_day(slack: SlackHarness) -> None:
    now = slack.clock.now
    with slack.session_factory.begin() as session:
        for key, age in (("Ev-old", timedelta(days=1, seconds=1)), ("Ev-new", timedelta(hours=23))):
            assert queries.claim_event(session, "T1", key, now - age)
    assert forget_old_claims(slack.session_factory, now) == 1
    with slack.session_factory() as session:
        assert session.scalars(select(ProcessedEventRow.event_id)).all() == ["Ev-new"]
