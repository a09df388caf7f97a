"""`phonetag worker`: the minute's ticks in their own process, and `serve` without them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from threading import Event, Thread
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.scheduler import start_ticks
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.ticks import minute_ticks, run_round
from bot.runtime.worker import run_worker
from bot.services.context import Services
from bot.services.digest_delivery import TickReport
from bot.services.slack_delivery import ClientForTeam
from storage.db import make_session_factory, upgrade
from storage.models import HomeRedrawRow, ProspectRow, RepRow
from tests.engines import roomy_engine
from tests.servers import cli_environment

REPO = Path(__file__).resolve().parents[2]
SETUP = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def morning_somewhere() -> str:
    """A zone where the real clock is between 08:00 and noon: the worker ticks at the real
    now, and a digest goes out from its 07:30 until the noon cut-off."""
    for hours_east in range(-12, 15):
        zone = f"Etc/GMT{-hours_east:+d}"  # POSIX signs: Etc/GMT-3 is three hours east
        if 8 <= datetime.now(ZoneInfo(zone)).hour < 12:
            return zone
    raise AssertionError("some zone is always between 08:00 and noon")


def seed_due_rep(url: str) -> None:
    """A rep whose digest is due now, every day, empty or not."""
    engine = roomy_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(RepRow).values(
                team_id="T1",
                user_id="U1",
                tz=morning_somewhere(),
                digest_days="mon,tue,wed,thu,fri,sat,sun",
                digest_when_empty=True,
                created_at=SETUP,
            )
        )
        connection.execute(
            insert(ProspectRow).values(
                team_id="T1",
                owner_id="U1",
                name="Dana",
                name_key="dana",
                tz="America/Chicago",
                tz_inferred=False,
                status="active",
                created_at=SETUP,
            )
        )
    engine.dispose()


def test_worker_once_runs_one_round_and_exits_and_a_second_round_sends_nothing_more(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    url = f"sqlite:///{tmp_path}/worker.db"
    seed_due_rep(url)
    standin.clear()
    env = cli_environment(url, standin)
    for _ in range(2):
        finished = subprocess.run(
            [sys.executable, "-m", "bot", "worker", "--once"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
    (post,) = standin.calls_to("chat.postMessage")
    assert post.args["channel"] == "U1"
    assert post.args["metadata"]["event_type"] == "phonetag_digest"
    standin.clear()


def test_a_bad_setting_is_a_plain_message_not_a_traceback(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--once"],
        cwd=REPO,
        env={**os.environ, "PHONETAG_POSTS_IN_FLIGHT": "many", "SLACK_BOT_TOKEN": "xoxb-test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "PHONETAG_POSTS_IN_FLIGHT must be a whole number" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_a_failing_tick_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    def broken(*_: object) -> TickReport:
        raise RuntimeError("the CRM is down")

    def reminders(_f: sessionmaker[Session], _c: ClientForTeam, now: datetime) -> TickReport:
        ran.append("reminders")
        return TickReport(now=now, label="reminders")

    with caplog.at_level(logging.ERROR):
        ok = run_round(
            {"crm": broken, "reminders": reminders},
            sessionmaker(),
            lambda team: None,  # type: ignore[arg-type,return-value]
            SETUP,
        )
    assert not ok
    assert ran == ["reminders"]
    assert "crm tick" in caplog.text and "the CRM is down" in caplog.text


def test_every_round_runs_deliveries_the_crm_and_prunes_old_rows() -> None:
    assert list(minute_ticks(Settings())) == [
        "digest",
        "digest preparation",
        "heads-up",
        "weekly",
        "reminders",
        "crm",
        "retention",
        "forget uninstalled",
    ]


def test_the_worker_loops_until_told_to_stop(tmp_path: Path) -> None:
    stop = Event()
    rounds: list[datetime] = []

    def last_round(_f: sessionmaker[Session], _c: ClientForTeam, now: datetime) -> TickReport:
        rounds.append(now)
        stop.set()
        return TickReport(now=now)

    settings = Settings(database_url=f"sqlite:///{tmp_path}/loop.db", slack_bot_token="xoxb-t")
    upgrade(roomy_engine(settings.database_url))
    assert run_worker(settings, stop=stop, ticks={"last": last_round}, clock=lambda: SETUP) == 0
    assert rounds == [SETUP]


def test_serve_ticks_in_process_only_when_no_worker_is_configured(tmp_path: Path) -> None:
    engine = roomy_engine(f"sqlite:///{tmp_path}/serve.db")
    upgrade(engine)
    with_worker = Settings.from_env({"PHONETAG_WORKER": "separate", "SLACK_BOT_TOKEN": "x"})
    services = Services(make_session_factory(engine))
    assert start_ticks(with_worker, engine, services) is None
    in_process = start_ticks(Settings.from_env({"SLACK_BOT_TOKEN": "x"}), engine, services)
    assert in_process is not None and in_process.scheduler.running
    assert "home-redraws" in {thread.name for thread in threading.enumerate()}
    in_process.shutdown()
    with pytest.raises(ValueError, match="PHONETAG_WORKER"):
        Settings.from_env({"PHONETAG_WORKER": "elsewhere"})


def home_left_for_the_worker(
    tmp_path: Path, standin: SlackStandIn, name: str
) -> tuple[Settings, Engine]:
    """A rep whose App Home `serve` left for the worker to redraw, since SETUP."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/{name}.db",
        slack_bot_token="xoxb-t",
        slack_api_url=standin.base_url,
    )
    engine = roomy_engine(settings.database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(RepRow).values(
                team_id="T1",
                user_id="U1",
                tz="America/Chicago",
                digest_paused=True,
                created_at=SETUP,
                home_opened_at=SETUP,
            )
        )
        connection.execute(
            insert(HomeRedrawRow).values(
                team_id="T1", user_id="U1", wanted_at=SETUP, changed_at=SETUP
            )
        )
    return settings, engine


def test_a_worker_round_redraws_the_homes_serve_left_for_it(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        settings, engine = home_left_for_the_worker(tmp_path, standin, "homes")
        later = SETUP + timedelta(seconds=2)
        assert run_worker(settings, once=True, ticks={}, clock=lambda: later) == 0
        (published,) = standin.calls_to("views.publish")
        assert published.args["user_id"] == "U1"
        with engine.connect() as connection:
            assert connection.execute(select(HomeRedrawRow)).all() == []


def test_a_worker_with_tick_processes_redraws_homes_in_the_parent_until_told_to_stop(
    tmp_path: Path,
) -> None:
    with SlackStandIn() as standin:
        settings, _ = home_left_for_the_worker(tmp_path, standin, "processes")
        stop = Event()
        exits: list[int] = []
        worker = Thread(target=lambda: exits.append(run_worker(settings, stop=stop, processes=2)))
        worker.start()
        deadline = time.monotonic() + 30
        while not standin.calls_to("views.publish") and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        worker.join(timeout=90)
        assert exits == [0]
        (published,) = standin.calls_to("views.publish")
        assert published.args["user_id"] == "U1"


@pytest.mark.parametrize(
    ("name", "text", "read"),
    [
        ("PHONETAG_DELIVERY_CUTOFF", "12:00", clock_time(12)),
        ("PHONETAG_DELIVERY_CUTOFF", "9:05", clock_time(9, 5)),
        ("PHONETAG_DELIVERY_CUTOFF", "23:59", clock_time(23, 59)),
        ("PHONETAG_DELIVERY_CUTOFF", "24:00", None),
        ("PHONETAG_DELIVERY_CUTOFF", "12:60", None),
        ("PHONETAG_DELIVERY_CUTOFF", "noon", None),
        ("PHONETAG_RETENTION_DAYS", "1", 1),
        ("PHONETAG_RETENTION_DAYS", "0", None),
        ("PHONETAG_RETENTION_DAYS", "-5", None),
        ("PHONETAG_METRICS_PORT", "1", 1),
        ("PHONETAG_METRICS_PORT", "65535", 65535),
        ("PHONETAG_METRICS_PORT", "65536", None),
        ("PHONETAG_METRICS_PORT", "0", None),
    ],
)
def test_the_delivery_and_metrics_settings_are_read_exactly_to_their_limits(
    name: str, text: str, read: object
) -> None:
    field = {
        "PHONETAG_DELIVERY_CUTOFF": "delivery_cutoff",
        "PHONETAG_RETENTION_DAYS": "retention_days",
        "PHONETAG_METRICS_PORT": "metrics_port",
    }[name]
    if read is None:
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: text})
    else:
        assert getattr(Settings.from_env({name: text}), field) == read


def test_the_defaults_are_noon_ninety_days_and_no_metrics_port() -> None:
    settings = Settings.from_env({})
    assert (settings.delivery_cutoff, settings.retention_days, settings.metrics_port) == (
        clock_time(12),
        90,
        None,
    )


def test_a_bad_metrics_port_option_is_refused_in_one_line() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--once", "--metrics-port", "70000"],
        cwd=REPO,
        env={**os.environ, "SLACK_BOT_TOKEN": "xoxb-test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "--metrics-port must be a port number from 1 to 65535: '70000'" in finished.stderr
    assert "Traceback" not in finished.stderr
