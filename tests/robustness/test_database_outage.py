"""A database outage mid-run: reps are told nothing was saved, and service resumes by itself."""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from bot import ids
from bot.blocks.logcall import NOTES, build_logcall_modal
from bot.runtime.signing import signed_headers
from bot.runtime.slack_standin import SlackStandIn
from storage import db
from storage.db import make_engine, upgrade
from storage.models import CallLogRow
from tests.handlers.interactions import logcall_values, submit
from tests.postgres import ThrowawayPostgres, require_postgres
from tests.servers import SIGNING_SECRET, server
from tests.slack import Clock, SlackHarness, logcall_body


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    postgres = require_postgres()
    postgres.start()
    yield postgres
    postgres.stop()


@pytest.fixture
def outage_engine(cluster: ThrowawayPostgres) -> Iterator[Engine]:
    engine = make_engine(cluster.start())
    upgrade(engine)
    yield engine
    engine.dispose()


def test_requests_during_an_outage_are_refused_plainly_and_recovered_without_restart(
    cluster: ThrowawayPostgres, outage_engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    slack = SlackHarness(outage_engine, standin, clock)
    assert "Voicemail left" in slack.command(ids.LOGCALL, "Jane Doe vm").json["text"]

    cluster.pause()
    # As Slack sends what the rep typed: handed back decoded, then escaped once.
    typed = "Jane Doe noanswer phone:+1 312 555 0100 &lt;!channel&gt; &amp; co"
    during = slack.command(ids.LOGCALL, typed)
    assert during.status == 200
    assert "nothing was saved" in during.json["text"]
    assert (
        "/logcall Jane Doe noanswer phone:+1 312 555 0100 &lt;!channel&gt; &amp; co"
        in during.json["text"]
    )

    cluster.resume()
    settled()
    after = slack.command(ids.LOGCALL, "Jane Doe connected")
    assert "Connected" in after.json["text"]
    with slack.session_factory() as session:
        outcomes = session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all()
        assert outcomes == ["vm", "connected"]
        assert session.scalar(select(func.count()).select_from(CallLogRow)) == 2


def test_a_database_restart_between_requests_costs_no_request(
    cluster: ThrowawayPostgres,
    outage_engine: Engine,
    standin: SlackStandIn,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Connections idle longer than this are pinged before use: here, every one.
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    slack = SlackHarness(outage_engine, standin, clock)
    assert "Voicemail left" in slack.command(ids.LOGCALL, "Jane Doe vm").json["text"]
    cluster.pause()
    cluster.resume()
    after = slack.command(ids.LOGCALL, "Jane Doe connected")
    assert "Connected" in after.json["text"]


FORM_KEPT_OPEN = {
    "response_action": "errors",
    "errors": {NOTES: "Our database is not answering, so nothing was saved — submit again"},
}


def form_values() -> dict[str, dict[str, object]]:
    return logcall_values(prospect="new:Jane Doe", outcome="vm", notes="left msg about the bid")


def test_a_form_submitted_while_postgresql_is_down_stays_open_and_can_be_sent_again(
    cluster: ThrowawayPostgres, outage_engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    slack = SlackHarness(outage_engine, standin, clock)
    view = build_logcall_modal(ZoneInfo("America/Chicago"))
    cluster.pause()
    try:
        during = submit(slack, view, form_values())
    finally:
        cluster.resume()
    assert during.json == FORM_KEPT_OPEN
    settled()
    again = submit(slack, view, form_values())
    assert again.body == "", "logged: the form closes and the receipt comes as a DM"
    with slack.session_factory() as session:
        assert session.scalars(select(CallLogRow.notes)).all() == ["left msg about the bid"]


def test_a_form_submitted_while_sqlite_is_locked_stays_open_within_slacks_three_seconds(
    tmp_path: Path, standin: SlackStandIn, clock: Clock
) -> None:
    """Another process holding SQLite's write lock: the busy timeout gives up after 2 s."""
    engine = make_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    upgrade(engine)
    slack = SlackHarness(engine, standin, clock)
    other_process = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    other_process.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        during = submit(slack, build_logcall_modal(ZoneInfo("America/Chicago")), form_values())
        took = time.monotonic() - started
    finally:
        other_process.rollback()
        other_process.close()
    assert during.json == FORM_KEPT_OPEN
    assert took < 3
    settled()
    with slack.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CallLogRow)) == 0
    engine.dispose()


def test_a_frozen_postgresql_gets_replies_in_time_and_saves_nothing(
    cluster: ThrowawayPostgres, outage_engine: Engine, standin: SlackStandIn
) -> None:
    """SIGSTOP: the server accepts connections and never answers, so only our own time
    limits end the wait. Slack shows the rep a timeout after 3 s and health checks give up
    after about one."""
    env = {
        "DATABASE_URL": outage_engine.url.render_as_string(hide_password=False),
        "SLACK_API_URL": standin.base_url,
    }
    with server(["bot", "serve", "--port", "{port}"], env) as (port, _pid):
        assert "Voicemail left" in logcall(port, "Jane Doe vm")
        cluster.freeze()
        try:
            started = time.monotonic()
            during = logcall(port, "Jane Doe noanswer")
            logcall_took = time.monotonic() - started
            started = time.monotonic()
            health = get(port, "/healthz")
            health_took = time.monotonic() - started
        finally:
            cluster.thaw()
        settled()
        after = logcall(port, "Jane Doe connected")

    assert "nothing was saved" in during
    assert logcall_took < 3
    assert health == (503, {"ok": False, "database": "unreachable"})
    assert health_took < 1
    assert "Connected" in after
    with outage_engine.connect() as connection:
        assert connection.scalars(select(CallLogRow.outcome)).all() == ["vm", "connected"]


FREEZE_SECONDS = 12
CLIENTS = 16


def test_sixteen_reps_during_a_twelve_second_freeze_are_all_answered_within_three_seconds(
    cluster: ThrowawayPostgres, outage_engine: Engine, standin: SlackStandIn
) -> None:
    """`serve` with its default threads: requests queued behind the few already waiting on
    the database must not each wait out a time limit of their own, and health checks must
    not queue behind requests at all."""
    url = outage_engine.url.render_as_string(hide_password=False)
    with server(["bot", "serve", "--port", "{port}"], serve_env(url, standin)) as (port, _pid):
        assert "Voicemail left" in logcall(port, "Jane Doe vm")
        cluster.freeze()
        try:
            answers, checks = sixteen_reps_and_a_load_balancer(port)
        finally:
            cluster.thaw()
        settled()
        after = logcall(port, "Jane Doe connected")
    assert_answered_in_time(answers, checks)
    assert "Connected" in after
    with outage_engine.connect() as connection:
        assert connection.scalars(select(CallLogRow.outcome)).all() == ["vm", "connected"]


def test_sixteen_reps_while_another_process_holds_sqlites_lock_for_twelve_seconds(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """SQLite's version of the freeze: every transaction needs the write lock it cannot get."""
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    with server(["bot", "serve", "--port", "{port}"], serve_env(url, standin)) as (port, _pid):
        assert "Voicemail left" in logcall(port, "Jane Doe vm")
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN EXCLUSIVE")
        try:
            answers, checks = sixteen_reps_and_a_load_balancer(port)
        finally:
            other_process.rollback()
            other_process.close()
        settled()
        after = logcall(port, "Jane Doe connected")
    assert_answered_in_time(answers, checks)
    assert "Connected" in after
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT outcome FROM call_logs ORDER BY id").fetchall() == [
            ("vm",),
            ("connected",),
        ]


def serve_env(url: str, standin: SlackStandIn) -> dict[str, str]:
    return {"DATABASE_URL": url, "SLACK_API_URL": standin.base_url}


def sixteen_reps_and_a_load_balancer(
    port: int,
) -> tuple[list[tuple[float, str]], list[tuple[float, int]]]:
    """CLIENTS reps logging calls for FREEZE_SECONDS, and a health check every 0.25 s: how
    long each answer took, and what it said."""
    ended = threading.Event()

    def rep(number: int) -> list[tuple[float, str]]:
        answers = []
        while not ended.is_set():
            started = time.monotonic()
            # Each text its own, so no request is taken for a replay of another.
            text = logcall(port, f"Jane Doe noanswer rep {number} try {len(answers)}")
            answers.append((time.monotonic() - started, text))
            time.sleep(0.2)
        return answers

    def health_checks() -> list[tuple[float, int]]:
        checks = []
        while not ended.is_set():
            started = time.monotonic()
            status, _ = get(port, "/healthz")
            checks.append((time.monotonic() - started, status))
            time.sleep(0.25)
        return checks

    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        reps = [pool.submit(rep, number) for number in range(CLIENTS)]
        health = pool.submit(health_checks)
        time.sleep(FREEZE_SECONDS)
        ended.set()
        return [answer for future in reps for answer in future.result()], health.result()


def assert_answered_in_time(
    answers: list[tuple[float, str]], checks: list[tuple[float, int]]
) -> None:
    assert len(answers) >= CLIENTS * 2
    assert all("nothing was saved" in text for _, text in answers)
    assert max(took for took, _ in answers) < 3
    assert {status for _, status in checks} == {503}
    assert max(took for took, _ in checks) < 1


def settled() -> None:
    """After the database first fails to answer, requests are refused at once for a moment
    (the queue behind the waiting ones drains) before one asks it again."""
    time.sleep(db.Answering.SETTLE_SECONDS)


def logcall(port: int, text: str) -> str:
    body = logcall_body("http://127.0.0.1:9/unused", text)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/slack/events", body, signed_headers(SIGNING_SECRET, body))
        return str(json.loads(connection.getresponse().read())["text"])
    finally:
        connection.close()


def get(port: int, path: str) -> tuple[int, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
