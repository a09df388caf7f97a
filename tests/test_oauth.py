"""OAuth install into many workspaces; uninstall removes that workspace's tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from bot import ids
from bot.oauth import NotInstalledError, team_clients
from bot.slack_standin import SlackStandIn
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
