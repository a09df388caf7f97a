"""Issue 21, items 4 and 5, through the real app (signed requests, the digest and heads-up
ticks, the Slack stand-in): the morning digest comes while a Central rep's New York
prospects' before-8:30 window is still ahead (or, for a later digest, a "window opens now"
DM does), and every window it proposes lies inside the rep's own calling day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.mrkdwn import plain
from bot.config import Settings
from bot.services.digest_delivery import TickReport, run_digest_tick
from bot.services.heads_up import run_heads_up_tick
from bot.services.slack_delivery import digest_web_client
from tests.blockkit import assert_valid_message
from tests.handlers.test_conversation_plan import PROFILE, say
from tests.slack import SlackHarness

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK_PHONE = "+1 212 555 0140"
CHICAGO_PHONE = "+1 312 555 0101"
LOS_ANGELES_PHONE = "+1 213 555 0177"


def chicago(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Mon Nov 30 2026 on the rep's (Chicago) clock."""
    return datetime(2026, 11 if day > 7 else 12, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


def digest_tick(slack: SlackHarness, now: datetime) -> TickReport:
    client = digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    )
    return run_digest_tick(slack.session_factory, lambda team_id: client, now)


def posted_digests(slack: SlackHarness) -> list[str]:
    return [plain(str(call.args["blocks"])) for call in slack.standin.calls_to("chat.postMessage")]


def test_a_chicago_rep_gets_new_york_prospects_before_their_early_window_closes(
    slack: SlackHarness,
) -> None:
    # Friday afternoon: a voicemail with a follow-up on Tuesday morning.
    slack.clock.now = chicago(27, 14)
    say(slack, ids.LOGCALL, f'Nora York vm phone:{NEW_YORK_PHONE} next:"tue 7am"')

    # Nothing has been chosen: the default digest time is the start of the calling day.
    assert digest_tick(slack, chicago(1, 6, 59)).sent == []
    report = digest_tick(slack, chicago(1, 7))
    assert len(report.sent) == 1
    (digest,) = posted_digests(slack)
    before_830 = digest[digest.index("Before 8:30") :]
    # New York's 8:00–8:30 is the rep's 7:00–7:30, and it is still ahead.
    assert "Nora York" in before_830
    assert "7:00–7:30 AM your time" in before_830

    # And the rep is told when it comes.
    assert "Your digest comes at *07:00*" in say(slack, ids.DIGEST, "").text


def test_the_digest_and_the_home_propose_only_windows_inside_the_reps_own_calling_day(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(27, 14)
    saved = say(slack, ids.VMSCRIPT, f'{PROFILE} day:"9-17"').text
    assert "Your calling day:* 9–17" in saved
    say(slack, ids.LOGCALL, f'Nora York vm phone:{NEW_YORK_PHONE} next:"tue 7am"')
    say(slack, ids.LOGCALL, f'Cal Lakes vm phone:{CHICAGO_PHONE} next:"tue 7am"')

    report = digest_tick(slack, chicago(1, 7))
    assert len(report.sent) == 1
    (digest,) = posted_digests(slack)
    # 7:00 in Chicago is before this rep's 9:00: neither prospect's before-8:30 is offered
    # (Chicago's 7:00–8:30 and New York's 6:00–7:30 on the rep's clock), lunch is.
    assert "Before 8:30" not in digest
    assert "Nora York" in digest and "11:00 AM–12:00 PM your time" in digest
    assert "Cal Lakes" in digest and "12:00–1:00 PM (your time and theirs)" in digest

    # `/digest now` and the App Home read the same plan, cut to the same day.
    slack.clock.now = chicago(1, 7)
    preview = plain(say(slack, ids.DIGEST, "now").text)
    assert "Before 8:30" not in preview and "11:00 AM–12:00 PM your time" in preview
    slack.standin.clear()
    event = {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"}
    assert slack.event(event).status == 200
    (published,) = slack.standin.calls_to("views.publish")
    home = plain(str(published.args["view"]))
    assert "Nora York" in home and "11:00 AM–12:00 PM your time" in home
    assert "7:00–7:30 AM your time" not in home and "7:00–8:30" not in home


def heads_up_tick(slack: SlackHarness, now: datetime) -> TickReport:
    client = digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    )
    return run_heads_up_tick(slack.session_factory, lambda team_id: client, now)


def test_a_later_digest_time_gets_a_heads_up_when_an_early_window_opens_before_it(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(27, 14)
    assert "*07:30*" in say(slack, ids.DIGEST, "time 07:30").text
    say(slack, ids.LOGCALL, f'Nora York vm phone:{NEW_YORK_PHONE} next:"tue 7am"')
    say(slack, ids.LOGCALL, f'Lee Angeles vm phone:{LOS_ANGELES_PHONE} next:"tue 7am"')

    assert heads_up_tick(slack, chicago(1, 6, 59)).due == 0  # before the calling day
    report = heads_up_tick(slack, chicago(1, 7))
    assert len(report.sent) == 1
    (heads_up,) = posted_digests(slack)
    assert_valid_message(slack.standin.calls_to("chat.postMessage")[0].args)
    assert "Window opens now" in heads_up and "before your digest at 7:30 AM" in heads_up
    # New York's 8:00–8:30 is 7:00–7:30 in Chicago: gone by the digest, so said now. Los
    # Angeles' before-8:30 opens at 9:00 Chicago time: the digest has it in time.
    assert "Nora York" in heads_up and "7:00–7:30 AM your time" in heads_up
    assert "Lee Angeles" not in heads_up

    # Once a day, whichever minute ticks; and the digest itself comes at the rep's time.
    assert heads_up_tick(slack, chicago(1, 7, 1)).sent == []
    assert digest_tick(slack, chicago(1, 7, 29)).sent == []
    assert len(digest_tick(slack, chicago(1, 7, 30)).sent) == 1
    assert heads_up_tick(slack, chicago(1, 7, 30)).due == 0
    assert len(slack.standin.calls_to("chat.postMessage")) == 2


def test_no_heads_up_without_a_window_before_the_digest_or_with_the_default_time(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(27, 14)
    say(slack, ids.LOGCALL, f'Nora York vm phone:{NEW_YORK_PHONE} next:"tue 7am"')
    # The default digest comes when the day starts: nothing to warn of.
    assert heads_up_tick(slack, chicago(1, 7)).due == 0

    say(slack, ids.DIGEST, "time 08:00", user="U2")
    say(slack, ids.LOGCALL, f'Lee Angeles vm phone:{LOS_ANGELES_PHONE} next:"tue 7am"', user="U2")
    report = heads_up_tick(slack, chicago(1, 7))
    assert report.due == 1 and len(report.empty) == 1 and report.sent == []
    assert slack.standin.calls_to("chat.postMessage") == []
