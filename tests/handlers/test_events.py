"""Events: Slack's retries are processed once; single-workspace uninstalls are acknowledged;
a rep's new time zone is followed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_bolt import Ack
from sqlalchemy import select

from bot import ids
from storage.models import ProspectRow, RepRow
from tests.slack import SlackHarness


def test_a_retried_event_is_processed_once(slack: SlackHarness) -> None:
    handled: list[str] = []

    def remember(ack: Ack, event: dict[str, str]) -> None:
        ack()
        handled.append(event["text"])

    slack.app.event("app_mention")(remember)
    event = {"type": "app_mention", "user": "U1", "text": "hello", "channel": "C1", "ts": "1.0"}
    assert slack.event(event).status == 200
    retry = slack.event(
        event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status == 200
    assert handled == ["hello"]
    other = {**event, "text": "again", "ts": "2.0"}
    slack.event(other)
    assert handled == ["hello", "again"]


def test_uninstall_events_are_acknowledged_in_single_workspace_mode(slack: SlackHarness) -> None:
    assert slack.event({"type": "app_uninstalled"}).status == 200
    assert slack.event({"type": "tokens_revoked", "tokens": {"bot": ["U0PHONETAG"]}}).status == 200


def user_change(slack: SlackHarness, tz: str, *, team: str = "T1", user: str = "U1") -> None:
    profile = {"id": user, "team_id": team, "tz": tz, "real_name": "Sam Lee", "deleted": False}
    assert slack.event({"type": "user_change", "user": profile}, team=team).status == 200


def rep(slack: SlackHarness, team: str = "T1", user: str = "U1") -> RepRow | None:
    with slack.session_factory() as session:
        return session.scalars(
            select(RepRow).where(RepRow.team_id == team, RepRow.user_id == user)
        ).one_or_none()


def test_a_rep_who_moves_zone_gets_dates_on_the_new_clock(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    user_change(slack, "Europe/Berlin")
    moved = rep(slack)
    assert moved is not None and (moved.tz, moved.name) == ("Europe/Berlin", "Sam Lee")
    slack.command(ids.LOGCALL, 'Jane Doe noanswer next:"tomorrow 9am"')
    with slack.session_factory() as session:
        follow_up = session.scalars(select(ProspectRow.follow_up_at)).one()
    assert follow_up is not None
    assert follow_up.astimezone(ZoneInfo("Europe/Berlin")).hour == 9


def test_a_zone_slack_sends_that_we_do_not_know_keeps_the_old_one(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    before = rep(slack)
    user_change(slack, "Mars/Olympus_Mons")
    after = rep(slack)
    assert before is not None and after is not None and after.tz == before.tz


def test_profile_changes_of_people_who_are_not_reps_store_nothing(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    user_change(slack, "Europe/Berlin", user="U9")
    user_change(slack, "Asia/Tokyo", team="T2")
    assert rep(slack, user="U9") is None and rep(slack, team="T2") is None
    kept = rep(slack)
    assert kept is not None and kept.tz != "Asia/Tokyo"


def test_typing_to_the_bot_gets_the_short_help_and_nothing_else_does(slack: SlackHarness) -> None:
    dm = {"type": "message", "user": "U1", "channel": "DU1", "channel_type": "im"}
    assert slack.event({**dm, "text": "hi, how does this work?", "ts": "1.0"}).status == 200
    (help_post,) = slack.standin.calls_to("chat.postMessage")
    assert help_post.args["channel"] == "DU1"
    assert "/logcall" in help_post.args["text"] and "CSV" in help_post.args["text"]
    slack.standin.clear()
    quiet = [
        {**dm, "subtype": "message_changed", "ts": "2.0"},
        {**dm, "bot_id": "B0OTHER", "text": "beep", "ts": "3.0"},
        {**dm, "user": slack.standin.bot_user_id, "text": "our own", "ts": "4.0"},
        {**dm, "channel_type": "channel", "channel": "C1", "text": "hello all", "ts": "5.0"},
    ]
    for event in quiet:
        assert slack.event(event).status == 200
    assert slack.standin.calls_to("chat.postMessage") == []
