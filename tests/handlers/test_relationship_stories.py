"""Issue 21's "Why", replayed through the real app with signed requests: a Chicago rep whose
prospects are in New York, Chicago and London. Each test is one line of the issue, and shows
the bot now says only what has happened and proposes only times both sides can keep."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import ids
from bot.blocks.mrkdwn import plain
from storage.models import ProspectRow
from tests.handlers.commands.test_vmscript import script_of
from tests.handlers.test_conversation_plan import PROFILE, buttons, say
from tests.services.test_reminders import tick
from tests.slack import SlackHarness

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK_PHONE = "+1 212 555 0140"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of late 2026 on the rep's (Chicago) clock."""
    return datetime(2026, month, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


def window_line(text: str) -> str:
    found = re.search(r"Best next window:\*([^\"\\]*)", text)
    return found.group(1) if found else ""


def test_an_email_before_thursdays_meeting_looks_forward_to_it_and_thanks_for_nothing(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)  # Monday
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.LOGCALL, f'Mia Moss meeting phone:{NEW_YORK_PHONE} next:"thu 10am"')
    email = script_of(say(slack, ids.VMSCRIPT, "Mia Moss email"))
    assert "Thank" not in email and "Following up" not in email
    assert "I'm looking forward to our meeting Thursday at 11 a.m. your time." in email
    # The meeting is the next touch: no other time is proposed before it.
    assert "Could we" not in email
    voicemail = script_of(say(slack, ids.VMSCRIPT, "Mia Moss voicemail"))
    assert "Thank" not in voicemail and "try you again" not in voicemail
    # Once it has been held, the thanks are due.
    slack.clock.now = at(12, 4, 10)  # Friday
    after = script_of(say(slack, ids.VMSCRIPT, "Mia Moss email"))
    assert "Thank you for your time yesterday." in after


def test_a_prospect_who_called_us_gets_a_return_call_and_a_talk_gets_a_follow_up(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 24, 10)  # Tuesday
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.LOGCALL, f"Ian Irwin inbound phone:{NEW_YORK_PHONE}")
    slack.clock.now = at(11, 25, 9)  # Wednesday
    voicemail = script_of(say(slack, ids.VMSCRIPT, "Ian Irwin"))
    assert "I'm returning your call from yesterday" in voicemail
    assert "Here's why I'm calling" not in voicemail
    say(slack, ids.LOGCALL, "Ian Irwin connected")
    slack.clock.now = at(11, 27, 9)  # Friday
    follow_up = script_of(say(slack, ids.VMSCRIPT, "Ian Irwin"))
    assert "Following up on our conversation on Wednesday:" in follow_up


def test_a_never_reached_prospect_hears_no_you_mentioned_and_no_phone_tag(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.PROSPECT, f'add Kim Park phone:{NEW_YORK_PHONE} hook:"their Q1 rollout"')
    voicemail = script_of(say(slack, ids.VMSCRIPT, "Kim Park"))
    assert "You mentioned" not in voicemail and "I saw your Q1 rollout" in voicemail
    say(slack, ids.LOGCALL, "Kim Park noanswer")
    assert "phone tag" not in script_of(say(slack, ids.VMSCRIPT, "Kim Park screener"))
    slack.clock.now = at(12, 1, 12)
    say(slack, ids.LOGCALL, "Kim Park noanswer")
    assert "I've been playing phone tag with Kim" in script_of(
        say(slack, ids.VMSCRIPT, "Kim Park screener")
    )


def test_after_a_late_voicemail_the_next_window_is_another_day_and_part_of_the_day(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 16, 35)  # Monday 4:35 p.m. Chicago, 5:35 p.m. in New York
    reply = say(slack, ids.LOGCALL, f"Val Voice vm phone:{NEW_YORK_PHONE}")
    window = window_line(reply.text)
    assert window.startswith(" tomorrow 8:00–8:30 AM EST"), window
    assert "today" not in window and "5:30" not in window


def test_a_second_voicemail_the_same_day_is_logged_with_what_it_costs(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 8)
    say(slack, ids.LOGCALL, f"Val Voice vm phone:{NEW_YORK_PHONE}")
    first_text = say(slack, ids.LOGCALL, "Val Voice noanswer").text
    assert "voicemails to them in one day" not in first_text
    slack.clock.now = at(11, 30, 16)
    second = plain(say(slack, ids.LOGCALL, "Val Voice vm").text)
    assert "That's 2 voicemails to them in one day; one a day is the rule" in second
    assert "It counts 2 of the 3 in 10 days; 1 more and calls stop for 30 days." in second


def test_a_london_prospect_is_offered_a_time_inside_the_chicago_reps_day(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.VMSCRIPT, PROFILE)
    reply = say(slack, ids.LOGCALL, "Eve Clarke noanswer phone:+44 20 7946 0958")
    window = window_line(reply.text)
    assert "AM your time" not in window and "5:30" in window, window
    email = script_of(say(slack, ids.VMSCRIPT, "Eve Clarke email"))
    times = re.findall(r"(\d{1,2})(?::\d{2})? ([ap])\.m\. your time", email)
    proposed = re.search(r"Could we talk (.*?) your time\?", email)
    assert proposed is not None, email
    # Every proposed time is in London's after-5:30 window (11:30 a.m. for the rep).
    assert "a.m." not in proposed.group(1), proposed.group(1)
    assert times == [] or all(half == "p" for _, half in times)


def test_in_a_lay_off_the_email_names_no_time_and_a_spent_budget_offers_no_window(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.LOGCALL, f'Lee Layoff vm phone:{NEW_YORK_PHONE} at:"2026-11-25 10am"')
    say(slack, ids.LOGCALL, 'Lee Layoff vm at:"2026-11-27 10am"')
    say(slack, ids.LOGCALL, "Lee Layoff vm")
    email = script_of(say(slack, ids.VMSCRIPT, "Lee Layoff"))
    assert "tomorrow" not in email and "Could we talk" not in email
    assert "Which day and time suit you for a short call?" in email
    # Three unanswered dials on a small deal spend its budget: email, and no window today.
    say(slack, ids.LOGCALL, 'Bo Budget noanswer phone:+1 212 555 0141 at:"2026-11-25 10am"')
    say(slack, ids.LOGCALL, 'Bo Budget noanswer at:"2026-11-26 10am"')
    spent = say(slack, ids.LOGCALL, "Bo Budget noanswer value:$500")
    assert "send an email instead" in plain(spent.text)
    assert "Best next window" not in spent.text


def test_a_wrong_number_gets_one_line_no_script_and_no_number_to_tap(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.VMSCRIPT, PROFILE)
    reply = say(slack, ids.LOGCALL, f"Wes West wrong phone:{NEW_YORK_PHONE}")
    assert "tel:" not in reply.text and "Best next window" not in reply.text
    assert "Draft voicemail" not in buttons(reply)
    refused = say(slack, ids.VMSCRIPT, "Wes West")
    assert "find the right one" in refused.text
    assert len(refused.json["blocks"]) == 1  # type: ignore[arg-type]
    assert "&gt;" not in refused.text  # no script


def test_the_time_a_voicemail_promises_becomes_the_follow_up_with_its_reminder(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)  # Monday, 11:00 in New York
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.PROSPECT, f"add Pia Promise phone:{NEW_YORK_PHONE}")
    voicemail = script_of(say(slack, ids.VMSCRIPT, "Pia Promise"))
    assert "I'll try you again tomorrow at 8 a.m. your time" in voicemail
    reply = say(slack, ids.LOGCALL, "Pia Promise vm")
    text = plain(reply.text)
    assert "Follow-up set for Tue Dec 1, 7:00 AM CST, the time your voicemail promised." in text
    assert window_line(reply.text).startswith(" tomorrow 8:00–8:30 AM EST")
    with slack.session_factory() as session:
        row = session.scalars(select(ProspectRow)).one()
        assert row.follow_up_at == at(12, 1, 7)
    # The reminder comes at that minute, like any follow-up's.
    tick(slack, at(12, 1, 7))
    posted = [str(call.args) for call in slack.standin.calls_to("chat.postMessage")]
    assert any("Pia Promise" in post for post in posted)


def test_a_rep_who_starts_at_nine_is_offered_no_earlier_window(slack: SlackHarness) -> None:
    slack.clock.now = at(11, 30, 10)
    saved = say(slack, ids.VMSCRIPT, f'{PROFILE} day:"9-17"').text
    assert "Your calling day:* 9–17" in saved
    reply = say(slack, ids.LOGCALL, f"Nia Nine noanswer phone:{NEW_YORK_PHONE}")
    # Tried at 11:00 New York time (midday): tomorrow at another part of the day. Their
    # before-8:30 is before the rep's 9:00, and their evening is cut at the rep's 5 p.m.
    assert window_line(reply.text).startswith(
        " tomorrow 5:30–6:00 PM EST (4:30–5:00 PM your time)"
    ), reply.text
    refused = say(slack, ids.VMSCRIPT, 'profile day:"mornings"')
    assert "“mornings” is not a span" in refused.text


def test_a_meeting_reminder_is_about_the_meeting_not_a_call_to_make(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.LOGCALL, f'Mo Moore meeting phone:{NEW_YORK_PHONE} next:"thu 10am"')
    say(slack, ids.LOGCALL, 'Fay Follow connected phone:+1 212 555 0141 next:"thu 10am"')
    tick(slack, at(12, 3, 10))
    posted = [str(call.args) for call in slack.standin.calls_to("chat.postMessage")]
    meeting = next(post for post in posted if "Mo Moore" in post)
    assert "Your meeting with" in meeting and "Time to call" not in meeting
    follow_up = next(post for post in posted if "Fay Follow" in post)
    assert "Time to call" in follow_up


def test_prospect_show_gives_a_wrong_number_no_window_and_nothing_to_tap(
    slack: SlackHarness,
) -> None:
    slack.clock.now = at(11, 30, 10)
    say(slack, ids.LOGCALL, f"Wes West wrong phone:{NEW_YORK_PHONE}")
    shown = say(slack, ids.PROSPECT, "show Wes West").text
    assert "212-555-0140 (wrong number)" in shown
    assert "tel:" not in shown and "Best next window" not in shown
    assert "find the right number" in shown
