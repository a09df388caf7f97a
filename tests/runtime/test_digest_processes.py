"""Many hosts ticking at once: four `phonetag digest` processes, one PostgreSQL, 300 reps."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text

from bot.runtime.slack_standin import SlackStandIn
from bot.storage.models import Base, DeliveryRow, ProspectRow, RepRow

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


def test_four_tick_processes_at_once_give_every_rep_exactly_one_digest(
    empty_postgres: Engine, standin: SlackStandIn
) -> None:
    users = [f"U{n:04}" for n in range(REPS)]
    with empty_postgres.begin() as connection:
        connection.execute(
            insert(RepRow),
            [
                {"team_id": "T1", "user_id": u, "tz": "America/Chicago", "created_at": SETUP}
                for u in users
            ],
        )
        # One prospect each, never called: due today, in the 07:00–08:30 window.
        connection.execute(
            insert(ProspectRow),
            [
                {
                    "team_id": "T1",
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
    standin.clear()
    # Slow Slack a little so the processes really overlap rather than one doing it all.
    standin.delay("chat.postMessage", 0.02)
    env = {
        **os.environ,
        "DATABASE_URL": empty_postgres.url.render_as_string(hide_password=False),
        "SLACK_API_URL": standin.base_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
    }
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
