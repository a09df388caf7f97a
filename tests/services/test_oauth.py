"""OAuth install into many workspaces; uninstall removes that workspace's tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from bot import ids
from bot.config import Settings
from bot.runtime.slack_standin import SlackStandIn
from bot.services.digest_delivery import run_digest_tick
from bot.services.oauth import NotInstalledError, team_clients
from bot.services.slack_delivery import team_web_clients
from storage.db import make_session_factory
from tests.services.test_digest_delivery import add_rep
from tests.slack import Clock, SlackHarness


@pytest.fixture
def oauth_slack(engine: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[SlackHarness]:
    standin.clear()
    yield SlackHarness(engine, standin, clock, oauth=True)


def install(slack: SlackHarness, team_id: str) -> None:
    page = slack.get(ids.INSTALL_PATH)
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", page.body)
    assert state, "the install page links to Slack's authorize URL with a state"
    cookie = page.headers["set-cookie"].split(";")[0]
    done = slack.get(
        ids.OAUTH_REDIRECT_PATH,
        urlencode({"code": f"team:{team_id}", "state": state.group(1)}),
        {"Cookie": cookie},
    )
    assert done.status == 200, done.body


def test_install_then_commands_use_that_workspaces_token(oauth_slack: SlackHarness) -> None:
    install(oauth_slack, "T9")
    reply = oauth_slack.command(ids.LOGCALL, "Jane Doe vm", team="T9")
    assert "Voicemail left" in reply.json["text"]
    lookups = oauth_slack.standin.calls_to("users.info")
    assert [call.token for call in lookups] == ["xoxb-T9-installed"]


def test_a_workspace_that_never_installed_is_told_so_not_served(oauth_slack: SlackHarness) -> None:
    install(oauth_slack, "T9")
    reply = oauth_slack.command(ids.LOGCALL, "Jane Doe vm", team="T8")
    assert reply.status == 200
    assert "Voicemail left" not in reply.body


def test_redirect_without_a_valid_state_installs_nothing(oauth_slack: SlackHarness) -> None:
    reply = oauth_slack.get(
        ids.OAUTH_REDIRECT_PATH, urlencode({"code": "team:T7", "state": "forged"})
    )
    assert reply.status >= 400
    store = oauth_slack.app.installation_store
    assert store.find_bot(enterprise_id=None, team_id="T7") is None


def test_uninstall_removes_the_workspaces_tokens(oauth_slack: SlackHarness) -> None:
    install(oauth_slack, "T9")
    install(oauth_slack, "T10")
    clients = team_clients(oauth_slack.app.client, oauth_slack.app.installation_store)
    assert clients("T9").token == "xoxb-T9-installed"
    assert oauth_slack.event({"type": "app_uninstalled"}, team="T9").status == 200
    with pytest.raises(NotInstalledError):
        clients("T9")
    assert clients("T10").token == "xoxb-T10-installed"


def test_digests_use_the_installed_token_and_skip_uninstalled_workspaces(
    oauth_slack: SlackHarness, engine: Engine
) -> None:
    install(oauth_slack, "T1")
    factory = make_session_factory(engine)
    add_rep(factory, "U1", "America/New_York")
    settings = Settings(
        slack_api_url=oauth_slack.standin.base_url,
        slack_client_id="111.222",
        slack_client_secret="oauth-client-secret",
    )
    clients = team_web_clients(settings, engine)
    monday = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)

    run_digest_tick(factory, clients, monday)
    posts = oauth_slack.standin.calls_to("chat.postMessage")
    assert [(call.args["channel"], call.token) for call in posts] == [("U1", "xoxb-T1-installed")]

    oauth_slack.event({"type": "app_uninstalled"}, team="T1")
    report = run_digest_tick(factory, clients, monday + timedelta(days=1))
    assert len(oauth_slack.standin.calls_to("chat.postMessage")) == 1
    assert "1 skipped" in report.summary()


def test_a_failed_code_exchange_is_refused_and_never_logs_the_code(
    oauth_slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    page = oauth_slack.get(ids.INSTALL_PATH)
    state = re.search(r"state=([\w-]+)", page.body)
    assert state
    oauth_slack.standin.fail_next("oauth.v2.access", error="invalid_code", status=200)
    code = "team:T7-4724469134.4644010092847.232b4e6d82c3"
    with caplog.at_level("INFO"):
        done = oauth_slack.get(
            ids.OAUTH_REDIRECT_PATH,
            urlencode({"code": code, "state": state.group(1)}),
            {"Cookie": page.headers["set-cookie"].split(";")[0]},
        )
    assert 400 <= done.status < 500
    assert any("oauth.v2.access" in record.getMessage() for record in caplog.records)
    assert not [r.getMessage() for r in caplog.records if "4724469134" in r.getMessage()]
    assert oauth_slack.app.installation_store.find_bot(enterprise_id=None, team_id="T7") is None
