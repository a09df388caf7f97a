"""Insights through Slack: learned windows in the digest and /vmscript, the settings, and the
team's week posted in a channel, all as signed requests against the stand-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import ids
from bot.config import Settings
from bot.runtime.slack_standin import UPLOAD_URL
from bot.services.digest_delivery import run_digest_tick
from bot.services.slack_delivery import digest_web_client
from storage.models import RepRow, Workspace
from tests.blockkit import assert_valid_message
from tests.handlers.learned_windows import (
    LEARNED,
    MONDAY_0600,
    NEW_YORK,
    add_dials,
    add_prospect,
    four_pm_history,
)
from tests.slack import Reply, SlackHarness

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PROFILE = 'profile name:"Sam Lee" phone:+1 312 555 0100 benefit:"we help teams book more meetings"'


@pytest.fixture(autouse=True)
def early_monday(slack: SlackHarness) -> None:
    slack.clock.now = MONDAY_0600


def digest(slack: SlackHarness, text: str, **who: str) -> Reply:
    reply = slack.command(ids.DIGEST, text, **who)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert_valid_message(reply.json)
    return reply


def handful_at_four(slack: SlackHarness) -> None:
    zone = ZoneInfo(NEW_YORK)
    add_dials(
        slack,
        [(datetime(2026, 11, 16, 16, 5 + i, tzinfo=zone), "connected") for i in range(10)],
    )


def test_enough_dials_move_the_digest_to_four_pm_with_the_reason(slack: SlackHarness) -> None:
    four_pm_history(slack)
    add_prospect(slack, "Dana Due")
    digest(slack, "time 07:30")  # the rep's row, so the daily tick finds them
    reply = digest(slack, "now")
    assert "At the hour your calls connect best" in reply.text
    assert LEARNED.search(reply.text), reply.text
    assert "before 8:30" in reply.text  # the best default, quoted against
    assert "Before 8:30 their time" not in reply.text
    # The daily tick ranks the same way (at 8:30 in New York the early window has closed).
    slack.clock.now = MONDAY_0600 + timedelta(minutes=90)
    client = digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    )
    run_digest_tick(slack.session_factory, lambda team_id: client, slack.clock.now)
    (message,) = slack.standin.calls_to("chat.postMessage")
    assert LEARNED.search(str(message.args["blocks"]))


def test_a_handful_of_connects_at_four_does_not_move_the_digest(slack: SlackHarness) -> None:
    handful_at_four(slack)
    add_prospect(slack, "Dana Due")
    reply = digest(slack, "now")
    assert "Before 8:30 their time" in reply.text
    assert "Before 8:30 their time: experience says about" in reply.text
    assert "At the hour your calls connect best" not in reply.text
    assert "4–5 PM" not in reply.text


def test_an_admin_turns_learning_off_and_experience_ranks_again(slack: SlackHarness) -> None:
    four_pm_history(slack)
    add_prospect(slack, "Dana Due")
    slack.standin.users["U9"] = {"is_admin": True}
    reply = digest(slack, "learning off", user="U9")
    assert "Saved" in reply.text and "experience alone" in reply.text
    reply = digest(slack, "now")
    assert "experience says" in reply.text and "4–5 PM" not in reply.text
    assert "experience alone" in digest(slack, "").text
    slack.standin.users["U8"] = {"is_owner": True}
    assert "own dials" in digest(slack, "learning on", user="U8").text
    assert LEARNED.search(digest(slack, "now").text)


def test_a_rep_who_is_not_an_admin_cannot_change_learning(slack: SlackHarness) -> None:
    reply = digest(slack, "learning off")
    assert "Only workspace admins and owners" in reply.text
    with slack.session_factory() as session:
        assert session.scalars(select(Workspace)).all() == []


def test_the_voicemail_proposes_four_pm_when_the_dials_say_so(slack: SlackHarness) -> None:
    assert slack.command(ids.VMSCRIPT, PROFILE).status == 200
    add_prospect(slack, "Dana Due")
    before = slack.command(ids.VMSCRIPT, "Dana Due").text
    # The voicemail is today's try: the time it promises is tomorrow, at another part of the
    # day than this morning's.
    assert "tomorrow at noon" in before
    four_pm_history(slack)
    after = slack.command(ids.VMSCRIPT, "Dana Due").text
    assert "tomorrow at 4 p.m." in after


def test_weekly_time_and_off_are_saved_and_shown(slack: SlackHarness) -> None:
    assert "Fridays at *15:00*" in digest(slack, "").text
    assert "Fridays at *16:30*" in digest(slack, "weekly 16:30").text
    with slack.session_factory() as session:
        assert session.scalars(select(RepRow.weekly_time)).one() == "16:30"
    assert "No weekly picture" in digest(slack, "weekly off").text
    with slack.session_factory() as session:
        assert session.scalars(select(RepRow.weekly_time)).one() is None
    assert ":warning:" in digest(slack, "weekly 4pm").text


def test_the_team_s_week_is_posted_in_the_named_channel_with_its_heatmap(
    slack: SlackHarness,
) -> None:
    four_pm_history(slack, weeks=2)
    digest(slack, "")  # the rep's row, so they count in the team
    reply = digest(slack, "team <#C0SALES|sales>", user="U2")
    assert "Posted the team's week in <#C0SALES>" in reply.text
    (post,) = slack.standin.calls_to("chat.postMessage")
    assert post.args["channel"] == "C0SALES"
    assert "Your team's week so far" in post.args["text"] and "U1" not in post.args["text"]
    (complete,) = slack.standin.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C0SALES"
    (upload,) = slack.standin.calls_to(UPLOAD_URL)
    assert upload.args["data"].startswith(PNG_MAGIC)


def test_the_team_s_week_goes_to_the_current_channel_when_none_is_named(
    slack: SlackHarness,
) -> None:
    digest(slack, "team")
    (post,) = slack.standin.calls_to("chat.postMessage")
    assert post.args["channel"] == "DU1"


@pytest.mark.parametrize(
    ("error", "said"),
    [("not_in_channel", "/invite @Phone Tag"), ("channel_not_found", "can't find that channel")],
)
def test_a_channel_the_bot_cannot_post_in_gets_a_clear_answer(
    slack: SlackHarness, error: str, said: str
) -> None:
    slack.standin.fail_for("chat.postMessage", {"channel": "C0SECRET"}, error)
    reply = digest(slack, "team <#C0SECRET>")
    assert said in reply.text and "nothing was posted" in reply.text
    assert slack.standin.calls_to(UPLOAD_URL) == []


def test_a_channel_typed_as_plain_text_is_quoted_back(slack: SlackHarness) -> None:
    reply = digest(slack, "team #sales")
    assert ":warning:" in reply.text and "#sales" in reply.text
    assert slack.standin.calls_to("chat.postMessage") == []
