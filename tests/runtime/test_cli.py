"""`phonetag` as a newcomer first meets it: serve starts without reaching Slack, a missing
setting is named in one line, PostgreSQL URLs in the forms hosts hand out work, database
trouble is one line, and Alembic keeps quiet unless asked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from tests.servers import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]


def phonetag(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env={**_clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}


def test_serve_with_a_token_and_no_reachable_slack_answers_healthz_within_5_s(
    tmp_path: Path,
) -> None:
    """Before, serve asked Slack's auth.test three times and died; now it asks (bounded), says
    in one line that Slack could not be reached, and starts. Python's own start (imports,
    migrations) is not what is measured: on a loaded CI machine that alone can take seconds."""
    port, unreachable = free_port(), free_port()
    env = {
        **_clean_environment(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'phonetag.db'}",
        "SLACK_BOT_TOKEN": "xoxb-not-checked-at-start",
        "SLACK_SIGNING_SECRET": "a-signing-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{unreachable}/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, process)
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            health = json.loads(answer.read())
        answered_in = time.monotonic() - started
    finally:
        process.terminate()
        _, log = process.communicate(timeout=30)
    assert health == {"ok": True, "database": "reachable"}, log
    assert answered_in < 5
    assert log.count("could not reach Slack") == 1
    (warning,) = [line for line in log.splitlines() if "could not reach Slack" in line]
    assert "SLACK_BOT_TOKEN" in warning and "starting anyway" in warning
    assert "xoxb-not-checked-at-start" not in log
    assert "will be unused" not in log
    assert "Context impl" not in log


@pytest.mark.parametrize(
    ("command", "env", "named"),
    [
        (["serve"], {}, "SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN"),
        (["serve"], {"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        (["socket"], {}, "SLACK_APP_TOKEN, SLACK_BOT_TOKEN"),
    ],
)
def test_missing_settings_are_all_named_in_one_line(
    command: list[str], env: dict[str, str], named: str
) -> None:
    result = phonetag(*command, env=env)

    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert f"set {named} in the environment" in line


def test_serve_help_shows_the_defaults() -> None:
    shown = phonetag("serve", "--help").stdout

    assert "default: 127.0.0.1" in shown
    assert "default: 3000" in shown
    assert "default: 4" in shown


def test_each_default_is_shown_once_and_unset_ones_not_at_all() -> None:
    shown = " ".join(phonetag("console", "--help").stdout.split())

    assert shown.count("(default: now)") == 1
    assert "default: None" not in shown and "default: False" not in shown


def test_every_command_is_described_in_help() -> None:
    top = phonetag("--help").stdout
    for command in ("console", "serve", "socket", "digest", "worker", "db", "import"):
        (line,) = [line for line in top.splitlines() if line.strip().startswith(command + " ")]
        assert len(line.split()) > 2, f"{command} has no description"
    assert "apply migrations" in phonetag("db", "--help").stdout


def test_version() -> None:
    result = phonetag("--version")

    assert result.returncode == 0
    assert re.fullmatch(r"phonetag \d+\.\d+\.\d+\S*", result.stdout.strip())


def test_help_imports_no_heavy_library() -> None:
    """`--help` stays quick because Bolt, SQLAlchemy and matplotlib wait for the commands
    that use them (bench/cli_start.py times it)."""
    code = (
        "import sys; from bot.runtime.cli import main\n"
        "try: main(['--help'])\nexcept SystemExit: pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("slack_bolt", "slack_sdk", "sqlalchemy", "matplotlib", "alembic", "psycopg"):
        assert f"'{heavy}'" not in loaded


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db.example:5432/tag", "postgresql+psycopg://u:p@db.example:5432/tag"),
        ("postgresql://u:p@db.example/tag", "postgresql+psycopg://u:p@db.example/tag"),
        ("postgresql+psycopg://u@db/tag", "postgresql+psycopg://u@db/tag"),
        ("sqlite:///phonetag.db", "sqlite:///phonetag.db"),
    ],
)
def test_postgres_urls_in_the_forms_hosts_hand_out(given: str, used: str) -> None:
    assert Settings.from_env({"DATABASE_URL": given}).database_url == used


def test_db_upgrade_takes_a_postgres_url(postgres_engine: Engine) -> None:
    url = postgres_engine.url.render_as_string(hide_password=False)
    plain = "postgres://" + url.split("://", 1)[1]

    result = phonetag("db", "upgrade", env={"DATABASE_URL": plain})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"


def test_an_unreachable_database_is_one_line_with_the_cause() -> None:
    result = phonetag(
        "db", "upgrade", env={"DATABASE_URL": f"postgresql://u:p@127.0.0.1:{free_port()}/x"}
    )

    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("phonetag: database error: ")
    assert "refused" in line.lower()
    assert "u:p@" not in line


def test_alembic_is_quiet_unless_verbose(tmp_path: Path) -> None:
    quiet = phonetag("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    verbose = phonetag(
        "db", "upgrade", "--verbose", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    )

    assert quiet.returncode == verbose.returncode == 0
    assert quiet.stderr == ""
    assert "Running upgrade" in verbose.stderr
