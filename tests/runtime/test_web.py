"""The HTTP edge: Slack's signature is checked on every request; /healthz answers."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from waitress.server import create_server

from bot import ids
from bot.runtime.signing import signed_headers, slash_command_body
from storage.models import CallLogRow
from tests.slack import SIGNING_SECRET, SlackHarness

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def body_for(text: str) -> str:
    return slash_command_body(
        ids.LOGCALL,
        text,
        team_id="T1",
        user_id="U1",
        response_url="http://127.0.0.1:9/unused",
        trigger_id="t",
    )


def calls_logged(slack: SlackHarness) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(CallLogRow)) or 0


def test_correctly_signed_request_is_served(slack: SlackHarness) -> None:
    body = body_for("Jane Doe vm")
    assert slack.post(body, signed_headers(SIGNING_SECRET, body)).status == 200
    assert calls_logged(slack) == 1


def test_tampered_body_is_refused(slack: SlackHarness) -> None:
    body = body_for("Jane Doe vm")
    headers = signed_headers(SIGNING_SECRET, body)
    assert slack.post(body.replace("Jane", "Joan"), headers).status == 401
    assert calls_logged(slack) == 0


@pytest.mark.parametrize(("age", "status"), [(4 * 60, 200), (5 * 60 + 30, 401), (-6 * 60, 401)])
def test_timestamps_older_than_five_minutes_are_refused(
    slack: SlackHarness, age: int, status: int
) -> None:
    body = body_for("Jane Doe vm")
    headers = signed_headers(SIGNING_SECRET, body, int(time.time()) - age)
    assert slack.post(body, headers).status == status


def test_other_secret_and_missing_headers_are_refused(slack: SlackHarness) -> None:
    body = body_for("Jane Doe vm")
    assert slack.post(body, signed_headers("another-workspace-secret", body)).status == 401
    assert slack.post(body, {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    assert calls_logged(slack) == 0


def test_healthz_reports_the_database(slack: SlackHarness) -> None:
    reply = slack.get("/healthz")
    assert reply.status == 200
    assert reply.json == {"ok": True, "database": "reachable"}


@pytest.fixture
def served(slack: SlackHarness) -> Iterator[str]:
    server = create_server(slack.wsgi, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def test_a_real_http_server_acknowledges_a_slash_command(slack: SlackHarness, served: str) -> None:
    body = body_for("Jane Doe vm phone:+1 312 555 0100")
    request = urllib.request.Request(
        served + "/slack/events", data=body.encode(), headers=signed_headers(SIGNING_SECRET, body)
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload = json.loads(response.read())
    assert payload["response_type"] == "ephemeral"
    assert "Voicemail left" in payload["text"]
    with urllib.request.urlopen(served + "/healthz", timeout=10) as response:
        assert json.loads(response.read())["ok"] is True


def test_a_command_mentioning_payload_is_served_not_taken_for_an_interaction(
    slack: SlackHarness,
) -> None:
    """Bolt alone answers 404 to any form body containing the word "payload"."""
    reply = slack.command(ids.LOGCALL, "Jane Doe vm sent the payload spec")
    assert "Voicemail left" in reply.json["text"]
    assert calls_logged(slack) == 1
