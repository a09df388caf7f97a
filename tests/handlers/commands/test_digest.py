"""/digest end to end: preview, settings, and bad input that writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.config import Settings
from bot.services.digest_delivery import run_digest_tick
from bot.services.slack_delivery import digest_web_client
from storage.models import DeliveryRow, RepRow
from tests.blockkit import assert_valid_message
from tests.slack import Reply, SlackHarness


def digest(slack: SlackHarness, text: str, **who: str) -> Reply:
    reply = slack.command(ids.DIGEST, text, **who)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert_valid_message(reply.json)
    return reply


def rep(slack: SlackHarness, user: str = "U1") -> RepRow | None:
    with slack.session_factory() as session:
        return session.scalars(select(RepRow).where(RepRow.user_id == user)).one_or_none()


def count(slack: SlackHarness, model: type) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def tick(slack: SlackHarness) -> None:
    settings = Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    client = digest_web_client(settings)
    run_digest_tick(slack.session_factory, lambda team_id: client, slack.clock.now)


def test_settings_show_the_defaults_without_writing_anything(slack: SlackHarness) -> None:
    reply = digest(slack, "")
    # Monday 10:00 in Chicago: the next digest is Tuesday's.
    assert "*07:00* your time (America/Chicago) on *mon, tue, wed, thu, fri*" in reply.text
    assert "Tue Nov 24, 7:00 AM CST" in reply.text
    assert count(slack, RepRow) == 0


def test_time_and_days_are_saved_and_confirmed_with_the_next_digest(slack: SlackHarness) -> None:
    slack.standin.users["U1"] = {"tz": "Europe/London"}
    reply = digest(slack, "time 6:45")
    assert "Saved" in reply.text and "*06:45*" in reply.text and "Europe/London" in reply.text
    assert "Tue Nov 24, 6:45 AM GMT" in reply.text
    reply = digest(slack, "days sat, Sunday")
    assert "Sat Nov 28, 6:45 AM GMT" in reply.text
    row = rep(slack)
    assert row is not None
    assert (row.digest_time, row.digest_days, row.tz) == ("06:45", "sat,sun", "Europe/London")


def test_pause_stops_the_daily_digest_and_resume_brings_it_back(slack: SlackHarness) -> None:
    slack.standin.users["U1"] = {"tz": "America/Chicago"}
    digest(slack, "empty on")
    assert "paused" in digest(slack, "pause").text
    slack.clock.now += timedelta(days=1)  # Tuesday 10:00 in Chicago, past 07:00
    tick(slack)
    assert slack.standin.calls_to("chat.postMessage") == []
    digest(slack, "resume")
    tick(slack)
    (message,) = slack.standin.calls_to("chat.postMessage")
    assert message.args["channel"] == "U1"
    assert "Nothing due today" in message.args["text"]


def test_empty_on_and_off_are_saved(slack: SlackHarness) -> None:
    assert "empty digest all the same" in digest(slack, "empty on").text
    row = rep(slack)
    assert row is not None and row.digest_when_empty
    assert "no digest is sent" in digest(slack, "empty off").text
    row = rep(slack)
    assert row is not None and not row.digest_when_empty


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("time 25:00", "25:00"),
        ("time 7am", "7am"),
        ("days mon,funday", "funday"),
        ("tomorrow", "tomorrow"),
        ("empty maybe", "maybe"),
        ("pause please", "pause please"),
        ("time", "/digest time"),
    ],
)
def test_bad_input_is_quoted_and_nothing_is_written(
    slack: SlackHarness, text: str, quoted: str
) -> None:
    reply = digest(slack, text)
    assert ":warning:" in reply.text
    assert quoted in reply.text
    assert count(slack, RepRow) == 0


def test_help_prints_usage(slack: SlackHarness) -> None:
    reply = digest(slack, "help")
    assert "/digest time HH:MM" in reply.text and "/digest empty on|off" in reply.text


def test_now_previews_the_digest_without_using_up_the_days_delivery(slack: SlackHarness) -> None:
    slack.standin.users["U1"] = {"tz": "America/Chicago"}
    slack.command(ids.LOGCALL, "Jane Doe inbound phone:+1 212 555 0143 value:$12k")
    slack.command(ids.LOGCALL, 'Bob Roe noanswer phone:+1 303 555 0100 at:"fri 10am"')
    reply = digest(slack, "now")
    assert "Return calls owed" in reply.text and "Jane Doe" in reply.text
    # 10:00 in Chicago: Denver's early window is over; Bob was tried on Friday mid-morning.
    assert "At lunch" in reply.text and "Bob Roe" in reply.text
    assert "12:00–1:00 PM MST (1:00–2:00 PM your time)" in reply.text
    assert count(slack, DeliveryRow) == 0
    slack.clock.now += timedelta(minutes=1)
    tick(slack)
    (message,) = slack.standin.calls_to("chat.postMessage")
    assert "Jane Doe" in str(message.args["blocks"])


def test_now_with_nothing_due_says_so(slack: SlackHarness) -> None:
    assert "Nothing due today" in digest(slack, "now").text
