"""Several gunicorn workers share nothing but the database: every call lands exactly once."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, select

from bot.runtime.slack_standin import SlackStandIn
from storage.models import CallLogRow
from tests.robustness.test_concurrent_logcalls import send
from tests.servers import server

GUNICORN = ["gunicorn", "--workers", "2", "--bind", "127.0.0.1:{port}", "bot.runtime.web:create()"]


def test_two_gunicorn_workers_serve_one_database(
    postgres_engine: Engine, standin: SlackStandIn
) -> None:
    env = {
        "DATABASE_URL": postgres_engine.url.render_as_string(hide_password=False),
        "SLACK_API_URL": standin.base_url,
    }
    with server(GUNICORN, env) as (port, _pid), ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: send(port, i), range(200)))
        health = send_health(port)

    assert all(status == 200 for status, _ in replies)
    assert all("Voicemail left" in json.loads(body)["text"] for _, body in replies)
    assert health == {"ok": True, "database": "reachable"}
    with postgres_engine.begin() as connection:
        notes = connection.scalars(
            select(CallLogRow.notes).where(CallLogRow.team_id.like("TLOAD%"))
        ).all()
        connection.exec_driver_sql(
            "TRUNCATE reps, prospects, call_logs, owed_return_calls, workspaces CASCADE"
        )
    assert sorted(notes) == sorted(f"ticket-{i}" for i in range(200))


def send_health(port: int) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/healthz")
    return json.loads(connection.getresponse().read())
