"""app_uninstalled and tokens_revoked under OAuth: an uninstall starts the grace period and
drops the workspace's tokens; a rep's revoked token is forgotten, nobody else's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine

from bot.runtime.slack_standin import SlackStandIn
from storage.models import Workspace
from tests.slack import Clock, SlackHarness


@pytest.fixture
def oauth_slack(engine: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[SlackHarness]:
    standin.clear()
    yield SlackHarness(engine, standin, clock, oauth=True)


def rep_installs(slack: SlackHarness, team: str, *users: str) -> None:
    store = slack.app.installation_store
    assert store is not None
    for user in users:
        store.save(
            Installation(
                app_id="A0PHONETAG",
                team_id=team,
                user_id=user,
                bot_token=f"xoxb-{team}",
                bot_id="B0PHONETAG",
                bot_user_id="U0PHONETAG",
                user_token=f"xoxp-{team}-{user}",
            )
        )


def test_a_revoked_rep_token_is_forgotten_and_nobody_elses(oauth_slack: SlackHarness) -> None:
    rep_installs(oauth_slack, "T1", "U1", "U2")
    rep_installs(oauth_slack, "T2", "U1")
    reply = oauth_slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}, team="T1")
    assert reply.status == 200
    store = oauth_slack.app.installation_store
    assert store is not None
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U1") is None
    kept = store.find_installation(enterprise_id=None, team_id="T1", user_id="U2")
    assert kept is not None and kept.user_token == "xoxp-T1-U2"
    assert store.find_installation(enterprise_id=None, team_id="T2", user_id="U1") is not None
    assert store.find_bot(enterprise_id=None, team_id="T1") is not None
    with oauth_slack.session_factory() as session:
        assert session.get(Workspace, "T1") is None  # no grace period: still installed


def test_an_uninstall_drops_the_tokens_and_starts_the_grace_period(
    oauth_slack: SlackHarness,
) -> None:
    rep_installs(oauth_slack, "T1", "U1")
    rep_installs(oauth_slack, "T2", "U1")
    assert oauth_slack.event({"type": "app_uninstalled"}, team="T1").status == 200
    store = oauth_slack.app.installation_store
    assert store is not None
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T2") is not None
    with oauth_slack.session_factory() as session:
        uninstalled = session.get(Workspace, "T1")
        assert uninstalled is not None and uninstalled.uninstalled_at == oauth_slack.clock.now
        assert session.get(Workspace, "T2") is None
