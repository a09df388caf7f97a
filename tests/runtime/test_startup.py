"""Every start-up mistake is one line on stderr and an exit code of its own (documented in
docs/operations.md), tried as a newcomer makes them: the real `phonetag` process against the
Slack stand-in (`SLACK_API_URL`)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.runtime.slack_standin import SlackStandIn
from tests.runtime.test_cli import phonetag
from tests.servers import free_port

BOT_TOKEN = "xoxb-1-startup-bot-token"
APP_TOKEN = "xapp-1-A0PHONETAG-startup"
USER_TOKEN = "xoxp-1-a-user-token"


def environment(tmp_path: Path, standin: SlackStandIn, **settings: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'phonetag.db'}",
        "SLACK_API_URL": standin.base_url,
        "SLACK_SIGNING_SECRET": "a-signing-secret",
        **settings,
    }


def one_line(stderr: str) -> str:
    (line,) = stderr.strip().splitlines()
    return line


@pytest.fixture
def slack(standin: SlackStandIn) -> SlackStandIn:
    standin.clear()
    standin.clear_faults()
    return standin


def test_swapped_tokens_are_named_before_slack_is_asked(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = environment(tmp_path, slack, SLACK_BOT_TOKEN=APP_TOKEN, SLACK_APP_TOKEN=BOT_TOKEN)

    result = phonetag("socket", env=env)

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("phonetag socket: ")
    assert (
        "SLACK_BOT_TOKEN holds an app-level token (xapp-…), which belongs in SLACK_APP_TOKEN"
        in line
    )
    assert "SLACK_APP_TOKEN holds a bot token (xoxb-…), which belongs in SLACK_BOT_TOKEN" in line
    assert APP_TOKEN not in line and BOT_TOKEN not in line
    assert slack.calls == []


@pytest.mark.parametrize(
    ("token", "said"),
    [
        (USER_TOKEN, "SLACK_BOT_TOKEN holds a user token (xoxp-…); use a bot token (xoxb-…)"),
        ("1234-pasted-half", "SLACK_BOT_TOKEN does not look like a bot token"),
    ],
)
def test_a_user_token_or_a_malformed_one_is_refused_by_its_prefix(
    tmp_path: Path, slack: SlackStandIn, token: str, said: str
) -> None:
    result = phonetag("serve", env=environment(tmp_path, slack, SLACK_BOT_TOKEN=token))

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert said in line
    assert token not in line
    assert slack.calls == []


def test_a_bot_token_slack_refuses_is_said_at_start(tmp_path: Path, slack: SlackStandIn) -> None:
    slack.fail_next("auth.test", error="invalid_auth", status=200)

    result = phonetag(
        "serve",
        "--port",
        str(free_port()),
        env=environment(tmp_path, slack, SLACK_BOT_TOKEN=BOT_TOKEN),
    )

    assert result.returncode == 3
    line = one_line(result.stderr)
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in line
    assert "Bot User OAuth Token" in line
    assert [call.token for call in slack.calls_to("auth.test")] == [BOT_TOKEN]


def test_an_app_token_slack_refuses_is_one_line_not_a_traceback(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    slack.fail_next("apps.connections.open", error="invalid_auth", status=200)
    env = environment(tmp_path, slack, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)

    result = phonetag("socket", env=env)

    assert result.returncode == 3
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    # The bot token was checked and accepted first: its line, then the refusal.
    assert len(result.stderr.strip().splitlines()) == 2
    assert len(slack.calls_to("apps.connections.open")) == 1


def test_socket_mode_with_slack_unreachable_tries_a_few_times_then_says_so(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = environment(
        tmp_path,
        slack,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
    )

    result = phonetag("socket", env=env)

    assert result.returncode == 4
    line = one_line(result.stderr)
    assert "Slack is unreachable" in line and "tried 3 times" in line
    assert "SLACK_API_URL" in line


def test_a_port_in_use_is_named_with_a_way_out(tmp_path: Path, slack: SlackStandIn) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = environment(tmp_path, slack, SLACK_BOT_TOKEN=BOT_TOKEN)
        result = phonetag("serve", "--port", str(port), env=env)

    assert result.returncode == 5
    line = one_line(result.stderr)
    assert f"127.0.0.1:{port} is already in use" in line and "--port" in line
    assert slack.calls_to("auth.test") == [], "Slack was asked before the port was ours"


def test_an_unsupported_database_is_named(tmp_path: Path, slack: SlackStandIn) -> None:
    env = environment(tmp_path, slack, DATABASE_URL="mysql://u:secret@db/tag")

    result = phonetag("db", "upgrade", env=env)

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "DATABASE_URL: mysql is not supported" in line
    assert "secret" not in line and "MySQLdb" not in line


def test_a_good_bot_token_is_checked_once_and_the_worker_runs(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    """`worker --once` checks the token (one auth.test), then prints a line per tick."""
    result = phonetag(
        "worker", "--once", env=environment(tmp_path, slack, SLACK_BOT_TOKEN=BOT_TOKEN)
    )

    assert result.returncode == 0, result.stderr
    assert len(slack.calls_to("auth.test")) == 1
    assert "Slack knows the bot token" in result.stderr
    lines = result.stdout.strip().splitlines()
    for tick in ("digest", "digest preparation", "weekly", "reminder", "crm", "retention"):
        said = [line for line in lines if line.startswith((f"{tick} tick", f"{tick}:"))]
        assert len(said) == 1, (tick, lines)
