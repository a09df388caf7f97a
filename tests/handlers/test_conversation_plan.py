"""What the bot says follows the conversation, end to end through the real Bolt app: private
notes stay private, a conversation or a meeting changes the plan, a closed deal gets no more
calls, proposals are real times, gatekeepers get tactics and a script, calls can be logged
after the fact, and deals are counted in the workspace's currency."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.blocks.mrkdwn import plain
from bot.config import Settings
from bot.services.digest_delivery import run_digest_tick
from bot.services.slack_delivery import digest_web_client
from storage.home import home_reads
from storage.models import CallLogRow, DraftRow, ProspectRow, Workspace
from tests.blockkit import assert_valid_message
from tests.handlers.commands.test_vmscript import script_of
from tests.handlers.interactions import click, responses, text_of
from tests.slack import Reply, SlackHarness

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
PROFILE = (
    'profile name:"Rita Rep" phone:+1 617 555 0142 cell:+1 617 555 0199 company:"Acme Payroll"'
    ' benefit:"we run payroll for 200-person firms in an hour a month" hours:"9-12"'
    ' partners:"Acme Audit, Beta Books"'
)
NOTE_SENTINEL = "NOTE-SENTINEL-7Q"
CALL_SENTINEL = "CALL-SENTINEL-9Z"


def chicago(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Mon Nov 23 2026, on the rep's (Chicago) clock."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


def say(slack: SlackHarness, command: str, text: str, **who: str) -> Reply:
    reply = slack.command(command, text, **who)
    assert reply.status == 200
    assert_valid_message(reply.json)
    return reply


def digest_names(slack: SlackHarness) -> str:
    return say(slack, ids.DIGEST, "now").text


def buttons(reply: Reply) -> list[str]:
    return [
        element["text"]["text"]
        for block in reply.json["blocks"]  # type: ignore[union-attr]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def calls(slack: SlackHarness) -> list[Any]:
    with slack.session_factory() as session:
        return list(session.scalars(select(CallLogRow).order_by(CallLogRow.id)).all())


# --- private notes ----------------------------------------------------------------------------


def test_a_private_note_and_call_notes_are_in_no_draft_of_any_kind(slack: SlackHarness) -> None:
    say(slack, ids.VMSCRIPT, PROFILE)
    say(
        slack,
        ids.PROSPECT,
        f'add Kim Park phone:+1 312 555 0144 note:"Gatekeeper is Linda, {NOTE_SENTINEL}"'
        ' hook:"their Q1 rollout"',
    )
    say(slack, ids.LOGCALL, f"Kim Park vm {CALL_SENTINEL} she sounded annoyed")
    drafts = {
        kind: say(slack, ids.VMSCRIPT, f"Kim Park {kind}")
        for kind in ("voicemail", "screener", "email", "wrong", "misdial")
    }
    for kind, reply in drafts.items():
        assert NOTE_SENTINEL not in reply.text, kind
        assert CALL_SENTINEL not in reply.text, kind
        assert "Linda" not in reply.text, kind
    # Never reached: the talking point is the rep's own observation, not something Kim said.
    assert "I saw your Q1 rollout — " in script_of(drafts["voicemail"])
    with slack.session_factory() as session:
        kinds = session.scalars(select(DraftRow.kind).order_by(DraftRow.id)).all()
        assert kinds == ["voicemail", "screener", "email", "wrong", "misdial"]
        stored = " ".join(session.scalars(select(DraftRow.text)).all())
    assert NOTE_SENTINEL not in stored and CALL_SENTINEL not in stored
    shown = say(slack, ids.PROSPECT, "show Kim Park").text
    assert f"Private note: Gatekeeper is Linda, {NOTE_SENTINEL}" in shown
    assert "Talking point: their Q1 rollout" in shown


# --- the plan follows the conversation ------------------------------------------------------


def test_a_conversation_and_a_meeting_leave_the_next_morning_and_come_back_when_due(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(23, 10)  # Monday
    talked = say(slack, ids.LOGCALL, "Cora Connect connected phone:+1 312 555 0101 wants a quote")
    assert "You talked on Mon Nov 23: follow up on Wed Nov 25 (2 business days on)." in plain(
        talked.text
    )
    assert "Best next window:* Wed 7:00–8:30 AM" in talked.text
    met = say(
        slack,
        ids.LOGCALL,
        'Mia Mendez meeting phone:+1 312 555 0102 next:"wed 10am" demo booked',
    )
    assert "Meeting set for Wed Nov 25, 10:00 AM: no calls until then" in plain(met.text)
    assert "Ask for an introduction" in met.text and "Ask for an introduction" in talked.text

    slack.clock.now = chicago(24, 7, 30)  # the next morning
    tuesday = digest_names(slack)
    assert "Cora Connect" not in tuesday and "Mia Mendez" not in tuesday

    slack.clock.now = chicago(25, 7, 30)  # Wednesday, before the meeting
    wednesday = digest_names(slack)
    assert "Cora Connect" in wednesday
    assert "Follow up on your conversation of Mon Nov 23" in plain(wednesday)
    assert "Mia Mendez" not in wednesday

    slack.clock.now = chicago(25, 11)  # the meeting has passed
    after = digest_names(slack)
    assert "Mia Mendez" in after
    assert "Follow up on the meeting of Wed Nov 25, 10:00 AM" in plain(after)
    listed = say(slack, ids.PROSPECT, "list due").text
    assert "Mia Mendez" in listed and "Cora Connect" in listed


def test_won_has_no_window_no_draft_button_and_asks_for_an_introduction(
    slack: SlackHarness,
) -> None:
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.LOGCALL, "Wendy Win vm phone:+1 312 555 0104 company:Initech")
    reply = say(slack, ids.LOGCALL, "Wendy Win won signed for the year")
    assert "Won: no more calls." in reply.text
    assert "Best next window" not in reply.text
    assert buttons(reply) == ["Undo", "I asked for an introduction"]
    assert "Who do you know, at Initech or at another firm, who'd want the same?" in plain(
        reply.text
    )
    refused = say(slack, ids.VMSCRIPT, "Wendy Win")
    # One line saying what to do instead, not the command's whole help.
    assert plain(refused.text).count("\n") == 1  # the fallback text and one block
    assert "Won: nothing to send. Ask them for an introduction instead." in refused.text
    assert "/vmscript profile" not in refused.text
    slack.clock.now += timedelta(days=200)
    assert "Wendy Win" not in digest_names(slack)
    assert "Best next window" not in say(slack, ids.PROSPECT, "show Wendy Win").text


# --- proposals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_york", "proposed"),
    [
        # The voicemail is today's try: the time it promises is a later business day, at
        # another part of the day (left at 8:00, lunch; left at 11:00, the early window).
        (datetime(2026, 11, 23, 8, 0), "I'll try you again tomorrow at noon"),
        (datetime(2026, 11, 23, 11, 0), "I'll try you again tomorrow at 8 a.m."),
        # 16:45 + 1:45 closes the day; the last quarter hour is tomorrow's first, and the
        # Chicago rep's working day starts at 8:00 their time.
        (datetime(2026, 11, 23, 16, 45), "I'll try you again tomorrow at 8 a.m."),
        # Friday evening: the weekend is no business hours.
        # (8:30 closes the early window, so lunch is the first slot that far out.)
        (datetime(2026, 11, 27, 18, 0), "I'll try you again Monday at noon"),
    ],
)
def test_a_proposal_is_never_inside_two_business_hours(
    slack: SlackHarness, new_york: datetime, proposed: str
) -> None:
    slack.clock.now = chicago(23, 7)
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.PROSPECT, "add Nate York phone:+1 212 555 0105")
    slack.clock.now = new_york.replace(tzinfo=NEW_YORK).astimezone(UTC)
    script = script_of(say(slack, ids.VMSCRIPT, "Nate York"))
    assert proposed + " your time" in script
    assert "I'm at my desk" in script or len(script.split()) > 60


def test_after_three_voicemails_the_date_is_spelled_out_beside_the_lay_off(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(30, 10)  # Mon Nov 30
    say(slack, ids.LOGCALL, 'Lee Layoff vm phone:+1 312 555 0106 at:"2026-11-25 10am"')
    say(slack, ids.LOGCALL, 'Lee Layoff vm at:"2026-11-27 10am"')
    text = plain(say(slack, ids.LOGCALL, "Lee Layoff vm").text)
    assert "lay off calls until Wed Dec 30" in text
    # The window after the lay-off is a month out: it says its date, not a bare weekday.
    assert "Best next window:* Wed Dec 30 12:00–1:00 PM" in text


# --- gatekeepers -------------------------------------------------------------------------------


def test_a_gatekeeper_gets_the_screener_and_the_press_zero_advice_and_back_moves_the_day(
    slack: SlackHarness,
) -> None:
    say(slack, ids.VMSCRIPT, PROFILE)
    reply = say(
        slack,
        ids.LOGCALL,
        "Gina Gate gatekeeper phone:+1 312 555 0107 back:wednesday Linda says out till wed",
    )
    text = plain(reply.text)
    assert "call before 8:30 or after 5:30 their time" in text
    assert "press 0 (or 0#) for the receptionist and ask whether Gina is in today" in text
    assert "When the screener answers, say:" in text
    # A first dial is no phone tag yet.
    assert "I'm hoping to catch Gina — could you see if Gina has a few" in text
    assert "And may I have Gina's email" in text
    assert "They're back Wed Nov 25: off your lists until then." in text
    assert "Best next window:* Wed 7:00–8:30 AM" in text
    slack.clock.now = chicago(24, 7, 30)
    assert "Gina Gate" not in digest_names(slack)
    slack.clock.now = chicago(25, 7, 0)
    assert "Gina Gate" in digest_names(slack)


def test_out_until_wednesday_in_a_gatekeeper_note_moves_the_day_too(slack: SlackHarness) -> None:
    reply = say(
        slack, ids.LOGCALL, "Gil Gate gatekeeper phone:+1 312 555 0111 Linda: out until Wednesday"
    )
    assert "They're back Wed Nov 25: off your lists until then." in plain(reply.text)
    assert "Best next window:* Wed 7:00–8:30 AM" in reply.text


def test_a_gatekeeper_reply_without_a_profile_uses_the_slack_name(slack: SlackHarness) -> None:
    reply = say(slack, ids.LOGCALL, "Gus Gate gatekeeper phone:+1 312 555 0108")
    assert "press 0" in reply.text
    assert "Hi, this is Rep U1, calling for Gus Gate." in plain(reply.text)
    slack.standin.users["U5"] = {"real_name": "U5"}
    nameless = say(slack, ids.LOGCALL, "Gus Gate gatekeeper phone:+1 312 555 0108", user="U5")
    assert "For a screener script, set your name with /vmscript profile name:" in plain(
        nameless.text
    )


# --- misdial -------------------------------------------------------------------------------


def test_a_misdial_draft_apologises_and_names_the_partners(slack: SlackHarness) -> None:
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.PROSPECT, "add Kim Park phone:+1 312 555 0144 company:Lakeside")
    reply = say(slack, ids.VMSCRIPT, "Kim Park misdial")
    script = script_of(reply)
    assert script.startswith(
        "I'm sorry — I must have dialled the wrong number; I was trying to reach Kim Park at"
        " Lakeside."
    )
    assert "point you to Acme Audit or Beta Books, who might." in script
    assert "Rita Rep, 617-555-0142" in script
    assert "I believe you have the wrong number" not in script
    alone = script_of(say(slack, ids.VMSCRIPT, "misdial"))
    assert alone.startswith("I'm sorry — I must have dialled the wrong number.")
    with slack.session_factory() as session:
        assert session.scalars(select(DraftRow.prospect_id)).all() == [None, None]


# --- backdating ----------------------------------------------------------------------------


def test_at_logs_an_earlier_call_and_refuses_the_future_or_a_month_ago(
    slack: SlackHarness,
) -> None:
    reply = say(slack, ids.LOGCALL, 'Ann Back vm phone:+1 312 555 0109 at:"yesterday 5pm"')
    assert "Logged *Voicemail left* with *Ann Back*, Sun Nov 22, 5:00 PM CST." in reply.text
    (call,) = calls(slack)
    assert call.at == chicago(22, 17)
    assert call.notes == ""
    undo = next(
        element
        for block in reply.json["blocks"]  # type: ignore[union-attr]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == "Undo"
    )
    assert undo["value"] == str(call.id)

    for when, problem in [
        ("tomorrow 9am", "is in the future"),
        ("2026-10-01 9am", "more than 30 days ago"),
        ("someday", "couldn't read"),
    ]:
        refused = say(slack, ids.LOGCALL, f'Ann Back vm at:"{when}"')
        assert problem in refused.text
    assert len(calls(slack)) == 1


# --- currency -------------------------------------------------------------------------------


def test_a_workspace_in_pounds_takes_value_in_pounds_and_budgets_in_them(
    slack: SlackHarness,
) -> None:
    refused = say(slack, ids.LOGCALL, "Pip Pound vm phone:+44 20 7946 0958 value:£20k")
    assert "This workspace counts deals in $ (USD), not £ (GBP)" in plain(refused.text)
    assert calls(slack) == []
    assert "Only workspace admins" in say(slack, ids.DIGEST, "currency £").text

    slack.standin.users["U9"] = {"is_admin": True}
    saved = say(slack, ids.DIGEST, "currency £", user="U9")
    assert "in £ (GBP) now" in plain(saved.text)
    reply = say(slack, ids.LOGCALL, "Pip Pound noanswer phone:+44 20 7946 0958 value:£20k")
    assert "Attempt 1 of 19 budgeted for a £20,000 deal." in plain(reply.text)
    assert "Deal value: £20,000" in plain(say(slack, ids.PROSPECT, "show Pip Pound").text)
    euros = say(slack, ids.LOGCALL, "Pip Pound vm value:€15k")
    assert "not € (EUR)" in plain(euros.text)
    with slack.session_factory() as session:
        assert session.scalars(select(ProspectRow.deal_value)).one() == 20_000
        rules = session.scalars(select(Workspace.cadence_rules)).one()
        assert rules == {"currency": "GBP"}
        assert session.scalar(select(func.count()).select_from(CallLogRow)) == 1
    assert re.search(r"£20,000", say(slack, ids.PROSPECT, "list").text)


# --- referrals ----------------------------------------------------------------------------------


def test_introductions_asked_and_referrals_reached_are_counted_in_the_week(
    slack: SlackHarness,
) -> None:
    won = say(slack, ids.LOGCALL, "Wendy Win won phone:+1 312 555 0104 company:Initech")
    asked = next(
        element
        for block in won.json["blocks"]  # type: ignore[union-attr]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ids.LOGCALL_ASKED_INTRO
    )
    click(slack, ids.LOGCALL_ASKED_INTRO, value=asked["value"])
    (response,) = responses(slack)
    assert "you asked *Wendy Win* for an introduction" in text_of(response)
    say(slack, ids.LOGCALL, 'Rae Ref connected phone:+1 312 555 0110 ref:"Wendy Win"')
    assert "Referred by: Wendy Win" in say(slack, ids.PROSPECT, "show Rae Ref").text
    with slack.session_factory() as session:
        report = home_reads(session, "T1", "U1", CHICAGO, slack.clock.now).week
        kinds = session.scalars(select(DraftRow.kind)).all()
    assert kinds == ["introduction"]
    assert (report.this_week.introductions_asked, report.this_week.referrals_reached) == (1, 1)
    click(slack, ids.LOGCALL_ASKED_INTRO, value="999")
    assert "isn't one of yours" in text_of(responses(slack)[-1])
    with slack.session_factory() as session:
        assert session.scalars(select(DraftRow.kind)).all() == ["introduction"]


def test_an_email_needs_the_same_profile_as_a_voicemail(slack: SlackHarness) -> None:
    say(slack, ids.LOGCALL, "Eli Mail vm phone:+1 312 555 0112")
    reply = say(slack, ids.VMSCRIPT, "Eli Mail email")
    assert "set your phone with /vmscript profile phone:" in reply.text
    with slack.session_factory() as session:
        assert session.scalars(select(DraftRow)).all() == []
    say(slack, ids.VMSCRIPT, PROFILE)
    drafted = say(slack, ids.VMSCRIPT, "Eli Mail email")
    assert "*Subject:* Easier by email?" in drafted.text
    assert script_of(drafted).endswith("Rita Rep\nAcme Payroll\n617-555-0142")


def test_the_introduction_ask_reads_with_and_without_a_company(slack: SlackHarness) -> None:
    talked = plain(say(slack, ids.LOGCALL, "Cy Co connected phone:+1 312 555 0113").text)
    assert (
        "“Is there anyone else on your team, or a peer at another firm, who should hear about"
        " this? Would you mind telling them I'll call?”"
    ) in talked
    won = plain(say(slack, ids.LOGCALL, "Cy Co won").text)
    assert "“Who do you know elsewhere who'd want the same? Would you let them know" in won


def test_the_morning_digest_itself_skips_a_conversation_until_its_follow_up_day(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(23, 10)
    say(slack, ids.LOGCALL, "Cora Connect connected phone:+1 312 555 0101")
    client = digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack.standin.base_url)
    )
    run_digest_tick(slack.session_factory, lambda team_id: client, chicago(24, 7, 31))
    assert slack.standin.calls_to("chat.postMessage") == []  # nothing due on Tuesday
    run_digest_tick(slack.session_factory, lambda team_id: client, chicago(25, 7, 31))
    (message,) = slack.standin.calls_to("chat.postMessage")
    assert "Cora Connect" in str(message.args["blocks"])
    assert "Follow up on your conversation of Mon Nov 23" in str(message.args["blocks"])


def test_a_backdated_call_older_than_the_latest_keeps_the_plan_the_latest_set(
    slack: SlackHarness,
) -> None:
    say(slack, ids.LOGCALL, 'Mia Mendez meeting phone:+1 312 555 0102 next:"wed 10am"')
    reply = say(slack, ids.LOGCALL, 'Mia Mendez noanswer at:"yesterday 9am"')
    assert "Meeting set for Wed Nov 25, 10:00 AM: no calls until then" in plain(reply.text)
    with slack.session_factory() as session:
        row = session.scalars(select(ProspectRow)).one()
        assert row.follow_up_at == chicago(25, 10)
    assert [call.outcome for call in calls(slack)] == ["meeting", "noanswer"]


def test_the_email_after_three_voicemails_asks_them_for_a_time_inside_the_lay_off(
    slack: SlackHarness,
) -> None:
    slack.clock.now = chicago(30, 10)  # Mon Nov 30
    say(slack, ids.VMSCRIPT, PROFILE)
    say(slack, ids.LOGCALL, 'Lee Layoff vm phone:+1 312 555 0106 at:"2026-11-25 10am"')
    say(slack, ids.LOGCALL, 'Lee Layoff vm at:"2026-11-27 10am"')
    say(slack, ids.LOGCALL, "Lee Layoff vm")
    reply = say(slack, ids.VMSCRIPT, "Lee Layoff")
    assert "An email this time" in reply.text
    script = script_of(reply)
    # Resting a month from calls: no time is proposed inside the lay-off; they pick one.
    assert "Which day and time suit you for a short call?" in script
    assert "Could we talk" not in script and "December" not in script
    # A voicemail asked for by name waits out the lay-off, and says the date in full.
    voicemail = script_of(say(slack, ids.VMSCRIPT, "Lee Layoff voicemail"))
    assert "I'll try you again Wednesday, December 30, at noon" in voicemail


def test_removing_a_fact_that_is_not_there_reads_plainly(slack: SlackHarness) -> None:
    assert (
        "There's no fact 2: you have no facts yet."
        in say(slack, ids.VMSCRIPT, "facts remove 2").text
    )
    say(slack, ids.VMSCRIPT, 'facts add "we close payroll in an afternoon"')
    assert (
        "There's no fact 2: you have only fact 1."
        in say(slack, ids.VMSCRIPT, "facts remove 2").text
    )
