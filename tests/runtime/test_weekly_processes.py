"""Many hosts ticking on a Friday afternoon: four `phonetag digest` processes, one PostgreSQL,
50 reps, and each rep's week goes out once, picture included."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from bot.runtime.slack_standin import UPLOAD_URL, SlackStandIn
from storage.models import DeliveryRow, RepRow
from tests.runtime.test_digest_processes import PROCESSES, REPO, empty_postgres  # noqa: F401
from tests.servers import cli_environment

REPS = 50
SETUP = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_four_tick_processes_at_once_give_every_rep_exactly_one_weekly_picture(
    empty_postgres: Engine,  # noqa: F811
    standin: SlackStandIn,
) -> None:
    users = [f"U{n:04}" for n in range(REPS)]
    with empty_postgres.begin() as connection:
        # Digests paused, so the tick's only work is the weekly picture.
        connection.execute(
            insert(RepRow),
            [
                {
                    "team_id": "T1",
                    "user_id": u,
                    "tz": "America/Chicago",
                    "digest_paused": True,
                    "created_at": SETUP,
                }
                for u in users
            ],
        )
    standin.clear()
    # Slow Slack a little so the processes really overlap rather than one doing it all.
    standin.delay("chat.postMessage", 0.02)
    env = cli_environment(empty_postgres.url.render_as_string(hide_password=False), standin)
    command = [sys.executable, "-m", "bot", "digest", "--at", "2026-11-20T15:00:00-06:00"]
    try:
        processes = [
            subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(PROCESSES)
        ]
        outputs = [process.communicate(timeout=120)[0] for process in processes]
        posts = standin.calls_to("chat.postMessage")
        completed = standin.calls_to("files.completeUploadExternal")
        uploads = standin.calls_to(UPLOAD_URL)
    finally:
        standin.clear()
    assert [process.returncode for process in processes] == [0] * PROCESSES, outputs

    dms = Counter("D" + u for u in users)
    assert Counter(call.args["channel"] for call in posts if call.answered_ok) == dms
    assert Counter(call.args["channel_id"] for call in completed if call.answered_ok) == dms
    assert len(uploads) == REPS
    with empty_postgres.connect() as connection:
        rows = connection.execute(
            select(DeliveryRow.kind, DeliveryRow.status, DeliveryRow.claimed_by)
        ).all()
    assert Counter((kind, status) for kind, status, _ in rows) == {("weekly", "sent"): REPS}
    assert len({claimed_by for _, _, claimed_by in rows}) > 1, "the ticks did not overlap"
