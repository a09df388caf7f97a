"""Many processes ticking at once against one PostgreSQL: four `phonetag digest` processes
(many hosts), and one `phonetag worker --processes` (a box's cores)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text, update

from bot.runtime.slack_standin import SlackStandIn
from storage.models import Base, DeliveryRow, HomeRedrawRow, ProspectRow, RepRow
from tests.runtime.test_worker import morning_somewhere
from tests.servers import cli_environment

REPO = Path(__file__).resolve().parents[2]
REPS = 300
PROCESSES = 4
SETUP = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


@pytest.fixture
def empty_postgres(postgres_engine: Engine) -> Iterator[Engine]:
    def truncate() -> None:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with postgres_engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))

    truncate()
    yield postgres_engine
    truncate()


def seed_due_reps(
    engine: Engine, users: list[str], teams: int = 1, tz: str = "America/Chicago"
) -> None:
    """Reps due at 07:30 on their clock in `tz`, every day, empty or not, spread over `teams`
    workspaces."""
    team = {u: f"T{n % teams + 1}" for n, u in enumerate(users)}
    with engine.begin() as connection:
        connection.execute(
            insert(RepRow),
            [
                {
                    "team_id": team[u],
                    "user_id": u,
                    "tz": tz,
                    "digest_days": "mon,tue,wed,thu,fri,sat,sun",
                    "digest_when_empty": True,
                    "created_at": SETUP,
                }
                for u in users
            ],
        )
        # One prospect each, never called: due today, in the 07:00–08:30 window.
        connection.execute(
            insert(ProspectRow),
            [
                {
                    "team_id": team[u],
                    "owner_id": u,
                    "name": f"Prospect of {u}",
                    "name_key": f"prospect of {u.casefold()}",
                    "tz": "America/Chicago",
                    "tz_inferred": False,
                    "status": "active",
                    "created_at": SETUP,
                }
                for u in users
            ],
        )


def test_four_tick_processes_at_once_give_every_rep_exactly_one_digest(
    empty_postgres: Engine, standin: SlackStandIn
) -> None:
    users = [f"U{n:04}" for n in range(REPS)]
    seed_due_reps(empty_postgres, users)
    standin.clear()
    # Slow Slack a little so the processes really overlap rather than one doing it all.
    standin.delay("chat.postMessage", 0.02)
    env = cli_environment(empty_postgres.url.render_as_string(hide_password=False), standin)
    command = [sys.executable, "-m", "bot", "digest", "--at", "2026-11-23T07:30:00-06:00"]
    try:
        processes = [
            subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(PROCESSES)
        ]
        outputs = [process.communicate(timeout=60)[0] for process in processes]
        posts = standin.calls_to("chat.postMessage")
    finally:
        standin.clear()
    assert [process.returncode for process in processes] == [0] * PROCESSES, outputs

    assert Counter(call.args["channel"] for call in posts if call.answered_ok) == Counter(users)
    with empty_postgres.connect() as connection:
        rows = connection.execute(select(DeliveryRow.status, DeliveryRow.claimed_by)).all()
    assert Counter(status for status, _ in rows) == {"sent": REPS}
    assert len({claimed_by for _, claimed_by in rows}) > 1, "the ticks did not overlap"


def test_a_worker_with_two_tick_processes_sends_each_digest_once_and_draws_a_home_once(
    empty_postgres: Engine, standin: SlackStandIn
) -> None:
    users = [f"U{n:04}" for n in range(REPS)]
    # The worker ticks at the real now.
    seed_due_reps(empty_postgres, users, teams=4, tz=morning_somewhere())
    with empty_postgres.begin() as connection:
        connection.execute(
            update(RepRow).where(RepRow.user_id == users[0]).values(home_opened_at=SETUP)
        )
        connection.execute(
            insert(HomeRedrawRow).values(
                team_id="T1", user_id=users[0], wanted_at=SETUP, changed_at=SETUP
            )
        )
    standin.clear()
    standin.delay("chat.postMessage", 0.02)
    env = cli_environment(empty_postgres.url.render_as_string(hide_password=False), standin)
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "bot", "worker", "--once", "--processes", "2"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        posts = standin.calls_to("chat.postMessage")
        homes = standin.calls_to("views.publish")
    finally:
        standin.clear()
    assert finished.returncode == 0, finished.stderr
    assert Counter(call.args["channel"] for call in posts if call.answered_ok) == Counter(users)
    assert [call.args["user_id"] for call in homes] == [users[0]]
