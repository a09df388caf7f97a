"""GET /metrics: scraped from the web server and from `phonetag worker`, every documented
metric is there and moves when its event happens."""

from __future__ import annotations

import socket
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Event, Thread

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.config import Settings
from bot.runtime.ticks import minute_ticks, run_round
from bot.runtime.worker import run_worker
from bot.services.crm.tick import CrmTickReport
from bot.services.digest_delivery import TickReport
from bot.services.slack_delivery import ClientForTeam
from storage.db import make_engine, upgrade
from storage.models import CrmOutboxRow
from tests.services.test_digest_delivery import add_rep, client_for
from tests.slack import SlackHarness

ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
"""What is counted does not depend on the database."""

DOCUMENTED = {
    "phonetag_deliveries_total",
    "phonetag_digest_oldest_due_seconds",
    "phonetag_crm_outbox_rows",
    "phonetag_tick_duration_seconds_count",
    "phonetag_request_duration_seconds_count",
}
MONDAY_0731_CHICAGO = datetime(2026, 11, 23, 13, 31, tzinfo=UTC)


def samples(page: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(page: str, name: str, **labels: str) -> float:
    return samples(page).get((name, frozenset(labels.items())), 0.0)


def scrape(slack: SlackHarness) -> str:
    reply = slack.get("/metrics")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/plain")
    return reply.body


@ON_SQLITE
def test_request_latency_is_counted_by_surface(slack: SlackHarness) -> None:
    before = scrape(slack)
    requests = {
        "command": lambda: slack.command(ids.LOGCALL, "Jane Doe vm"),
        "action": lambda: slack.interaction(
            {
                "type": "block_actions",
                "user": {"id": "U1"},
                "team": {"id": "T1"},
                "actions": [{"action_id": "no_such_action", "block_id": "b1", "type": "button"}],
            }
        ),
        "view": lambda: slack.interaction(
            {
                "type": "view_closed",
                "user": {"id": "U1"},
                "team": {"id": "T1"},
                "view": {"id": "V1", "callback_id": "no_such_view"},
            }
        ),
        "event": lambda: slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}),
        "healthz": lambda: slack.get("/healthz"),
    }
    for surface, request in requests.items():
        request()
        after = scrape(slack)
        name = "phonetag_request_duration_seconds_count"
        assert value(after, name, surface=surface) == value(before, name, surface=surface) + 1
        before = after


@ON_SQLITE
def test_deliveries_the_oldest_due_digest_and_tick_durations_move_with_the_rounds(
    slack: SlackHarness,
) -> None:
    factory = slack.session_factory
    add_rep(factory, "U_OK", "America/Chicago", digest_time="07:30")
    add_rep(factory, "U_FAILS", "America/Chicago", digest_time="07:30")
    slack.standin.fail_for("chat.postMessage", {"channel": "U_FAILS"}, "internal_error")
    ticks = {name: tick for name, tick in minute_ticks(slack.settings).items() if name == "digest"}

    def round_at(now: datetime) -> str:
        run_round(ticks, factory, lambda team: client_for(slack.standin), now)
        return scrape(slack)

    before = scrape(slack)
    during = round_at(MONDAY_0731_CHICAGO)
    sent, failed = (
        ("phonetag_deliveries_total", {"kind": "digest", "outcome": outcome})
        for outcome in ("sent", "failed")
    )
    assert value(during, sent[0], **sent[1]) == value(before, sent[0], **sent[1]) + 1
    assert value(during, failed[0], **failed[1]) == value(before, failed[0], **failed[1]) + 1
    # Due at 07:30, unsent at 07:31.
    assert value(during, "phonetag_digest_oldest_due_seconds") == 60
    durations = "phonetag_tick_duration_seconds_count"
    assert value(during, durations, tick="digest") == value(before, durations, tick="digest") + 1

    slack.standin.clear_faults()
    after = round_at(MONDAY_0731_CHICAGO + timedelta(minutes=1))
    assert value(after, sent[0], **sent[1]) == value(during, sent[0], **sent[1]) + 1
    assert value(after, "phonetag_digest_oldest_due_seconds") == 0


def no_crm(
    _factory: sessionmaker[Session], _clients: ClientForTeam, now: datetime
) -> CrmTickReport:
    return CrmTickReport(now)


@ON_SQLITE
def test_the_crm_outbox_pending_and_failed_are_counted_each_round(slack: SlackHarness) -> None:
    with slack.session_factory.begin() as session:
        for call_id, status in enumerate(("pending", "pending", "failed", "sent")):
            session.add(
                CrmOutboxRow(
                    team_id="T1",
                    rep_user_id="U1",
                    action="push",
                    call_id=call_id,
                    status=status,
                    attempts=0,
                    created_at=MONDAY_0731_CHICAGO,
                )
            )
    run_round({"crm": no_crm}, slack.session_factory, lambda team: None, MONDAY_0731_CHICAGO)  # type: ignore[arg-type,return-value]
    page = scrape(slack)
    assert value(page, "phonetag_crm_outbox_rows", status="pending") == 2
    assert value(page, "phonetag_crm_outbox_rows", status="failed") == 1
    assert {name for name, _ in samples(page)} >= DOCUMENTED


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_worker_serves_metrics_on_its_port(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/worker.db", slack_bot_token="xoxb-t", metrics_port=port
    )
    upgrade(make_engine(settings.database_url))
    stop = Event()

    def probe(_f: sessionmaker[Session], _c: ClientForTeam, now: datetime) -> TickReport:
        return TickReport(now=now)

    worker = Thread(
        target=run_worker,
        args=(settings,),
        kwargs={"stop": stop, "ticks": {"probe": probe}, "clock": lambda: MONDAY_0731_CHICAGO},
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        page = ""
        while time.monotonic() < deadline and 'tick="probe"' not in page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.05)
    finally:
        stop.set()
        worker.join()
    assert value(page, "phonetag_tick_duration_seconds_count", tick="probe") >= 1
