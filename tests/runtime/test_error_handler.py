"""The central error handler: it speaks only to verified requests and never fails itself.

These go straight to Bolt, without the edge in front, because the handler must hold even for
a request that only Bolt has seen."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot import ids
from bot.runtime.signing import signed_headers
from bot.runtime.slack_standin import RESPONSE_URL
from storage import db
from storage.models import CallLogRow
from tests.handlers.interactions import count, who
from tests.slack import SIGNING_SECRET, SlackHarness, logcall_body

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback address that takes the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"


@pytest.mark.parametrize(
    "malformed",
    [{"x-slack-request-timestamp": "abc"}, {"x-slack-signature": "v0=" + "é" * 64}],
)
def test_a_request_bolts_verifier_chokes_on_is_refused_and_its_url_never_called(
    slack: SlackHarness, malformed: dict[str, str]
) -> None:
    body = logcall_body(slack.standin.response_url("attacker"))
    headers = {k.lower(): v for k, v in signed_headers(SIGNING_SECRET, body).items()}
    response = slack.app.dispatch(BoltRequest(body=body, headers={**headers, **malformed}))
    assert response.status == 401
    assert slack.standin.calls_to(RESPONSE_URL) == []
    assert count(slack, CallLogRow) == 0


def test_an_unreachable_response_url_costs_a_second_not_a_500(
    slack: SlackHarness, silent_url: str
) -> None:
    def broken_button(ack: object) -> None:
        raise RuntimeError("a bug in a listener")

    slack.app.action("broken")(broken_button)
    payload = {
        "type": "block_actions",
        **who("U1", "T1"),
        "trigger_id": "t-2",
        "response_url": silent_url,
        "actions": [{"action_id": "broken", "block_id": "b", "type": "button", "value": "1"}],
    }
    started = time.monotonic()
    reply = slack.post(
        urlencode({"payload": json.dumps(payload)}),
        signed_headers(SIGNING_SECRET, urlencode({"payload": json.dumps(payload)})),
    )
    assert reply.status == 200
    assert time.monotonic() - started < 2


def test_a_broken_form_stays_open_and_says_nothing_was_saved(slack: SlackHarness) -> None:
    def broken_form(ack: object) -> None:
        raise RuntimeError("a bug in a listener")

    slack.app.view("broken_view")(broken_form)
    view = {
        "id": "V9",
        "type": "modal",
        "callback_id": "broken_view",
        "blocks": [
            {"type": "input", "block_id": "name", "element": {"type": "plain_text_input"}},
            {
                "type": "input",
                "block_id": "notes",
                "element": {"type": "plain_text_input", "multiline": True},
            },
        ],
        "state": {"values": {}},
    }
    reply = slack.interaction({"type": "view_submission", **who("U1", "T1"), "view": view})
    assert reply.json == {
        "response_action": "errors",
        "errors": {
            "notes": "Something went wrong on our side and nothing was saved — submit again"
        },
    }


def test_slack_saying_ok_without_the_user_is_told_to_the_rep(slack: SlackHarness) -> None:
    slack.standin.answer_next("users.info", {"ok": True})
    reply = slack.command(ids.LOGCALL, "Jane Doe vm")
    assert reply.status == 200
    assert "Slack did not tell us who you are" in reply.json["text"]
    assert "nothing was saved" in reply.json["text"]
    assert count(slack, CallLogRow) == 0


def test_bolts_log_of_a_bad_signature_leaves_out_the_body(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = logcall_body(slack.standin.response_url("U1"), "Jane Doe vm secret-plans")
    headers = {k.lower(): v for k, v in signed_headers("not-our-secret", body).items()}
    with caplog.at_level("INFO"):
        response = slack.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401
    assert any("check SLACK_SIGNING_SECRET" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if "secret-plans" in r.getMessage()]


def test_a_database_that_did_not_answer_is_one_warning_line_and_a_try_again(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage is expected: the rep is told to try again with what they typed, and the log
    gets one line for it, not a traceback at error level per refused request."""
    answering: db.Answering = slack.session_factory.kw["bind"].pool.answering
    answering.unanswered()  # as after a silent database: the next half second refuses at once
    caplog.set_level(logging.INFO)
    reply = slack.command(ids.LOGCALL, "Jane Doe vm")
    assert "nothing was saved" in reply.text and "/logcall Jane Doe vm" in reply.text
    ours = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(record.levelname, record.exc_info) for record in ours] == [("WARNING", None)]
    assert "did not answer" in ours[0].getMessage()
    time.sleep(db.Answering.SETTLE_SECONDS)
    assert count(slack, CallLogRow) == 0
