"""A real `serve` and real gunicorn workers, no worker configured: a burst of calls is one
App Home redraw, drawn by the server's own redraw loop after the replies, never twice by
two gunicorn workers."""

from __future__ import annotations

import http.client
import time

import pytest
from sqlalchemy import Engine, select

from bot.runtime.signing import event_body, signed_headers, slash_command_body
from bot.runtime.slack_standin import SlackStandIn
from storage.models import HomeRedrawRow
from tests.handlers.interactions import week_numbers
from tests.servers import SIGNING_SECRET, server

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

SERVE = ["bot", "serve", "--port", "{port}"]
GUNICORN = ["gunicorn", "--workers", "2", "--bind", "127.0.0.1:{port}", "bot.runtime.web:create()"]
BURST = ("Jane Doe vm phone:+1 212 555 0143", "Jane Doe noanswer", "Raj Patel connected")


def post(port: int, body: str, content_type: str = "application/x-www-form-urlencoded") -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = signed_headers(SIGNING_SECRET, body, content_type=content_type)
        connection.request("POST", "/slack/events", body, headers)
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def publishes_once_there_are(standin: SlackStandIn, count: int) -> int:
    deadline = time.monotonic() + 15
    while len(standin.calls_to("views.publish")) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(standin.calls_to("views.publish"))


@pytest.mark.parametrize("command", [SERVE, GUNICORN], ids=["serve", "gunicorn"])
def test_without_a_worker_the_server_redraws_a_burst_once_after_the_replies(
    engine: Engine, standin: SlackStandIn, command: list[str]
) -> None:
    standin.clear()
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SLACK_API_URL": standin.base_url,
    }
    with server(command, env) as (port, _pid):
        opened = {"type": "app_home_opened", "user": "U1", "tab": "home"}
        body = event_body(opened, team_id="T1", event_id="EvOpen1", event_time=int(time.time()))
        post(port, body, "application/json")
        assert publishes_once_there_are(standin, 1) == 1
        for line in BURST:
            reply = post(
                port,
                slash_command_body(
                    "/logcall",
                    line,
                    team_id="T1",
                    user_id="U1",
                    response_url="http://127.0.0.1:9/unused",
                    trigger_id="t",
                ),
            )
            assert line.split()[0] in reply
        # Every reply is back and the Home waits for the rep's pause.
        assert len(standin.calls_to("views.publish")) == 1
        assert publishes_once_there_are(standin, 2) == 2
        time.sleep(2)  # further passes of every redraw loop draw nothing more
        published = standin.calls_to("views.publish")
    assert len(published) == 2
    shown = week_numbers(published[-1].args["view"])
    assert (shown["Dials"], shown["Voicemails left"], shown["Connects"]) == ("3", "1", "1")
    with engine.connect() as connection:
        assert connection.execute(select(HomeRedrawRow)).all() == []
