"""Admin-only actions when Slack cannot say who is an admin: each refuses, in time.

The rep here *is* an admin in Slack's data, so an action that ignored the failed users.info
(or read a missing answer as yes) would go through and these tests would catch it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from bot import ids
from bot.blocks.crm import KIND, build_crm_modal
from bot.runtime.slack_standin import SlackStandIn
from handlers.reps import NOT_ASKED
from storage.models import CrmConnectionRow, Workspace
from tests.handlers.interactions import submit
from tests.services.crm.test_hubspot_end_to_end import form_values
from tests.slack import SlackHarness

ADMIN = "U9"


def rate_limited_for_five_seconds(standin: SlackStandIn) -> None:
    standin.fail_next("users.info", status=429, retry_after=5)


def server_error_with_slacks_json(standin: SlackStandIn) -> None:
    standin.fail_next("users.info", error="internal_error", status=500)


def ok_without_a_user(standin: SlackStandIn) -> None:
    standin.answer_next("users.info", {"ok": True})


def slower_than_the_reply_can_wait(standin: SlackStandIn) -> None:
    standin.delay("users.info", 2.0)


def refused_with_an_error(standin: SlackStandIn) -> None:
    standin.fail_next("users.info", error="user_not_found", status=200)


FAILURES = [
    rate_limited_for_five_seconds,
    server_error_with_slacks_json,
    ok_without_a_user,
    slower_than_the_reply_can_wait,
    refused_with_an_error,
]


@pytest.fixture
def admin_slack(slack: SlackHarness) -> Iterator[SlackHarness]:
    """An admin who has used the bot before, so the one users.info asked is the admin check."""
    slack.standin.users[ADMIN] = {"is_admin": True, "is_owner": True}
    assert "Voicemail left" in slack.command(ids.LOGCALL, "Jane Doe vm", user=ADMIN).text
    yield slack
    slack.standin.clear_faults()


def workspace_settings(slack: SlackHarness) -> list[tuple[object, ...]]:
    with slack.session_factory() as session:
        return [
            (row.team_id, row.window_learning, dict(row.cadence_rules or {}))
            for row in session.scalars(select(Workspace))
        ]


def timed(action: Callable[[], str]) -> str:
    started = time.monotonic()
    text = action()
    assert time.monotonic() - started < 3, "Slack stops waiting for the answer at 3 s"
    return text


@pytest.mark.parametrize("failure", FAILURES)
def test_the_crm_form_is_not_opened(
    admin_slack: SlackHarness, failure: Callable[[SlackStandIn], None]
) -> None:
    failure(admin_slack.standin)
    text = timed(lambda: admin_slack.command(ids.PROSPECT, "crm", user=ADMIN).text)
    assert NOT_ASKED in text
    assert admin_slack.standin.calls_to("views.open") == []


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("setting", ["learning off", "currency €"])
def test_no_workspace_setting_changes(
    admin_slack: SlackHarness, failure: Callable[[SlackStandIn], None], setting: str
) -> None:
    before = workspace_settings(admin_slack)
    failure(admin_slack.standin)
    text = timed(lambda: admin_slack.command(ids.DIGEST, setting, user=ADMIN).text)
    assert NOT_ASKED in text
    assert workspace_settings(admin_slack) == before


@pytest.mark.parametrize("failure", FAILURES)
def test_the_crm_form_saves_no_connection(
    admin_slack: SlackHarness, failure: Callable[[SlackStandIn], None]
) -> None:
    failure(admin_slack.standin)
    reply = timed(
        lambda: (
            submit(admin_slack, build_crm_modal(None), form_values("pat-na1-good"), user=ADMIN).body
        )
    )
    assert f'"{KIND}": "{NOT_ASKED}"' in reply
    with admin_slack.session_factory() as session:
        assert session.scalars(select(CrmConnectionRow)).all() == []


def test_when_slack_answers_the_admin_gets_through(admin_slack: SlackHarness) -> None:
    """The same steps with users.info answering: what the refusals above are measured against."""
    before = workspace_settings(admin_slack)
    assert "Saved" in admin_slack.command(ids.DIGEST, "learning off", user=ADMIN).text
    assert workspace_settings(admin_slack) != before
