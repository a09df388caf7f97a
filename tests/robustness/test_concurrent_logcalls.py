"""1,000 concurrent signed /logcall requests against `phonetag serve` on PostgreSQL."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, select

from bot.runtime.signing import signed_headers, slash_command_body
from bot.runtime.slack_standin import SlackStandIn
from storage.models import CallLogRow
from tests.servers import SIGNING_SECRET, server

REQUESTS = 1000
CLIENTS = 40


def send(port: int, index: int) -> tuple[int, str]:
    body = slash_command_body(
        "/logcall",
        f'"Prospect {index % 50}" vm ticket-{index}',
        team_id=f"TLOAD{index % 3}",
        user_id=f"ULOAD{index % 10}",
        response_url="http://127.0.0.1:9/unused",
        trigger_id="load",
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/slack/events", body, signed_headers(SIGNING_SECRET, body))
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_every_acknowledged_call_is_stored_exactly_once(
    postgres_engine: Engine, standin: SlackStandIn
) -> None:
    env = {"DATABASE_URL": postgres_engine.url.render_as_string(hide_password=False)}
    env["SLACK_API_URL"] = standin.base_url
    serve = ["bot", "serve", "--port", "{port}"]
    with server(serve, env) as (port, _pid), ThreadPoolExecutor(CLIENTS) as pool:
        replies = list(pool.map(lambda i: send(port, i), range(REQUESTS)))

    assert [status for status, _ in replies if status != 200] == []
    acknowledged = {
        i for i, (_, body) in enumerate(replies) if "Voicemail left" in json.loads(body)["text"]
    }
    assert acknowledged == set(range(REQUESTS)), [b for _, b in replies if "Voicemail" not in b][:3]
    with postgres_engine.connect() as connection:
        notes = connection.scalars(
            select(CallLogRow.notes).where(CallLogRow.team_id.like("TLOAD%"))
        ).all()
    assert sorted(notes) == sorted(f"ticket-{i}" for i in range(REQUESTS))
    with postgres_engine.begin() as connection:
        connection.exec_driver_sql(
            "TRUNCATE reps, prospects, call_logs, owed_return_calls, workspaces CASCADE"
        )
