"""/vmscript end to end: signed requests in, ephemeral Block Kit and modals out, rows stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.blocks.mrkdwn import plain
from bot.drafts.lint import count_words, split_sentences
from storage.models import (
    CallLogRow,
    CrmOutboxRow,
    DraftRow,
    ProspectRow,
    RepFactRow,
    RepRow,
    Workspace,
)
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.slack import Reply, SlackHarness

PROFILE = (
    'profile name:"Sam Lee" phone:+1 312 555 0100 company:"Acme Dialer"'
    ' benefit:"we help sales teams book 20% more meetings"'
)
FACTS = [
    "we cut no-show rates 30% for clinics like yours",
    "our dialer routes callbacks to the right rep",
    "clients get back 5 hours a week per rep",
]
JANE = 'Jane Doe vm phone:+1 212 555 0143 company:Globex ref:"Harley Smith"'


def count(slack: SlackHarness, model: type) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def vmscript(slack: SlackHarness, text: str, **who: str) -> Reply:
    reply = slack.command(ids.VMSCRIPT, text, **who)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert_valid_message(reply.json)
    return reply


def logcall(slack: SlackHarness, text: str, **who: str) -> None:
    assert slack.command(ids.LOGCALL, text, **who).status == 200


def ready_rep(slack: SlackHarness, *, facts: list[str] = FACTS, **who: str) -> None:
    """A rep with a profile, their commercials, and Jane Doe logged once."""
    vmscript(slack, PROFILE, **who)
    for fact in facts:
        vmscript(slack, f'facts add "{fact}"', **who)
    logcall(slack, JANE, **who)


def script_of(reply: Reply) -> str:
    """The drafted script as the rep reads it: the block-quoted section, unescaped."""
    for block in reply.json["blocks"]:  # type: ignore[union-attr]
        text = block.get("text", {}).get("text", "")
        if text.startswith("&gt;"):
            return plain("\n".join(line.removeprefix("&gt; ") for line in text.split("\n")))
    raise AssertionError(f"no script in {reply.body}")


def opened_views(slack: SlackHarness) -> list[dict[str, Any]]:
    views = [call.args["view"] for call in slack.standin.calls_to("views.open")]
    for view in views:
        assert_valid_view(view)
    return views


def submit(
    slack: SlackHarness,
    view: dict[str, Any],
    changes: dict[str, str | None],
    *,
    user: str = "U1",
    team: str = "T1",
) -> Reply:
    """Submit a modal as Slack does: every input's current value, typed or prefilled."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        typed = changes.get(block["block_id"], block["element"].get("initial_value"))
        action_id = block["element"]["action_id"]
        values[block["block_id"]] = {action_id: {"type": "plain_text_input", "value": typed}}
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "phonetag"},
        "user": {"id": user, "team_id": team, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0PHONETAG",
        "token": "unused",
        "trigger_id": "trigger-3",
        "view": {**view, "id": "V1", "team_id": team, "hash": "1", "state": {"values": values}},
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def click(slack: SlackHarness, button: dict[str, Any], *, user: str = "U1", team: str = "T1"):  # type: ignore[no-untyped-def]
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "phonetag"},
        "user": {"id": user, "team_id": team, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0PHONETAG",
        "token": "unused",
        "trigger_id": "trigger-2",
        "response_url": slack.standin.response_url(f"{team}-{user}"),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": "D" + user, "name": "directmessage"},
        "actions": [{**button, "block_id": "b1", "action_ts": "1.0"}],
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def button_in(reply: Reply) -> dict[str, Any]:
    for block in reply.json["blocks"]:  # type: ignore[union-attr]
        if block["type"] == "actions":
            return block["elements"][0]
    raise AssertionError(f"no button in {reply.body}")


# --- voicemail ---------------------------------------------------------------------------


def test_voicemail_names_the_referrer_twice_and_the_number_at_start_and_end(
    slack: SlackHarness,
) -> None:
    ready_rep(slack)
    reply = vmscript(slack, "Jane Doe")
    script = script_of(reply)
    sentences = split_sentences(script)
    assert script.startswith("Harley Smith suggested I call you, Jane")
    assert script.count("Harley Smith") == 2
    assert "312-555-0100" in sentences[0] and "312-555-0100" in sentences[-1]
    assert FACTS[0] in script
    assert "Voicemail" in reply.text and "Globex" in reply.text
    shown = re.search(r"(\d+) words · about (\d+) seconds", reply.text)
    assert shown is not None
    words = count_words(script)
    assert int(shown[1]) == words <= 75
    assert int(shown[2]) == round(words * 60 / 150)
    assert "To fix" not in reply.text


def test_successive_voicemails_reveal_a_new_fact_each_and_keep_the_history(
    slack: SlackHarness,
) -> None:
    ready_rep(slack)
    heard = []
    for _ in FACTS:
        script = script_of(vmscript(slack, "Jane Doe"))
        heard.append(next(fact for fact in FACTS if fact in script))
        slack.clock.now += timedelta(minutes=5)
        logcall(slack, "Jane Doe connected")
        slack.clock.now += timedelta(days=1)
    assert sorted(heard) == sorted(FACTS)
    with slack.session_factory() as session:
        stored = session.scalars(select(DraftRow).order_by(DraftRow.id)).all()
        assert [row.fact_used for row in stored] == heard
        assert {row.kind for row in stored} == {"voicemail"}
        assert all(row.prospect_id is not None for row in stored)
    fourth = vmscript(slack, "jane doe")
    assert "All 3 of your facts are used with Jane Doe" in fourth.text
    assert "20% more meetings" in script_of(fourth)


def test_a_previewed_draft_uses_no_fact_until_a_call_is_logged_after_it(
    slack: SlackHarness,
) -> None:
    ready_rep(slack)
    first = script_of(vmscript(slack, "Jane Doe"))
    again = script_of(vmscript(slack, "Jane Doe"))
    assert FACTS[0] in first and FACTS[0] in again
    # A dial nobody answered said nothing; a voicemail did.
    slack.clock.now += timedelta(minutes=5)
    logcall(slack, "Jane Doe noanswer")
    assert FACTS[0] in script_of(vmscript(slack, "Jane Doe"))
    slack.clock.now += timedelta(minutes=5)
    logcall(slack, "Jane Doe vm")
    slack.clock.now += timedelta(days=1)
    assert FACTS[1] in script_of(vmscript(slack, "Jane Doe"))


def test_after_three_voicemails_the_default_draft_is_an_email_and_says_why(
    slack: SlackHarness,
) -> None:
    ready_rep(slack)
    for _ in range(2):
        slack.clock.now += timedelta(days=2)
        logcall(slack, "Jane Doe vm")
    reply = vmscript(slack, "Jane Doe")
    assert ":email: *Email*" in reply.text
    assert "*Subject:*" in reply.text
    assert "An email this time" in reply.text
    assert "3 voicemails in 10 days" in reply.text
    assert "send an email instead" in reply.text
    with slack.session_factory() as session:
        assert session.scalars(select(DraftRow.kind)).all() == ["email"]
    # Asking for a voicemail by name still gets one: only the default gives way.
    asked = vmscript(slack, "Jane Doe voicemail")
    assert ":studio_microphone: *Voicemail*" in asked.text
    assert "3 voicemails in 10 days" in asked.text


def test_screener_line_names_the_referrer_and_asks_for_help(slack: SlackHarness) -> None:
    ready_rep(slack)
    reply = vmscript(slack, "Jane Doe screener")
    script = script_of(reply)
    assert script.startswith("Hi, this is Sam Lee with Acme Dialer — Harley Smith asked me to call")
    # One dial so far: no phone tag yet.
    assert "I'm hoping to catch Jane — could you see if Jane has a few" in script
    assert "about how we help sales teams book 20% more meetings?" in script
    # The screener is asked when Jane is in, never told when the rep means to call.
    assert "a.m." not in script and "tomorrow" not in script
    assert "may I have Jane's email" in script
    with slack.session_factory() as session:
        assert session.scalars(select(DraftRow.kind)).all() == ["screener"]


def test_a_closed_prospect_gets_no_draft(slack: SlackHarness) -> None:
    ready_rep(slack)
    logcall(slack, "Jane Doe dnc")
    reply = vmscript(slack, "Jane Doe")
    assert "Do not call" in reply.text
    assert count(slack, DraftRow) == 0


def test_without_a_phone_in_the_profile_the_rep_is_told_how_to_add_one(
    slack: SlackHarness,
) -> None:
    logcall(slack, JANE)
    reply = vmscript(slack, "Jane Doe")
    assert "set your phone with /vmscript profile phone:" in reply.text
    assert count(slack, DraftRow) == 0


# --- wrong number ------------------------------------------------------------------------


def test_wrong_number_playbook_saves_the_caller_through_a_modal(slack: SlackHarness) -> None:
    vmscript(slack, PROFILE)
    reply = vmscript(slack, "Alan Brooks wrong")
    script = script_of(reply)
    assert script.startswith("I believe you have the wrong number")
    assert "Sam Lee, 312-555-0100" in script
    assert "Wrong-number playbook" in reply.text

    click(slack, button_in(reply))
    (view,) = opened_views(slack)
    assert view["callback_id"] == ids.VMSCRIPT_SAVE_CALLER_VIEW
    assert view["blocks"][0]["element"]["initial_value"] == "Alan Brooks"

    saved = submit(
        slack,
        view,
        {"company": "Brooks Planning", "phone": "(303) 555-0142", "notes": "needs leads"},
    )
    assert saved.json["response_action"] == "update"
    assert_valid_view(saved.json["view"])  # type: ignore[arg-type]
    assert "/vmscript Alan Brooks" in saved.body
    with slack.session_factory() as session:
        prospect = session.scalars(select(ProspectRow)).one()
        assert (prospect.name, prospect.company, prospect.phone, prospect.tz) == (
            "Alan Brooks",
            "Brooks Planning",
            "+13035550142",
            "America/Denver",
        )
        assert (prospect.team_id, prospect.owner_id) == ("T1", "U1")
        call = session.scalars(select(CallLogRow)).one()
        assert call.outcome == "connected"
        assert "needs leads" in call.notes
        # No CRM is connected here, so there is nowhere to push the call to.
        assert session.scalars(select(CrmOutboxRow)).all() == []
    assert script_of(vmscript(slack, "Alan Brooks")).startswith("Hi Alan, this is Sam Lee")


def test_wrong_needs_no_prospect(slack: SlackHarness) -> None:
    vmscript(slack, PROFILE)
    reply = vmscript(slack, "wrong")
    assert "value" not in button_in(reply)
    with slack.session_factory() as session:
        stored = session.scalars(select(DraftRow)).one()
        assert (stored.kind, stored.prospect_id) == ("wrong", None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "555-01"}, "phone"),
        ({"name": "   "}, "name"),
        ({"name": "Jane Doe"}, "name"),
        ({"phone": "+1 212 555 0143"}, "phone"),
        ({"name": "Alan \u202eBrooks"}, "name"),
        ({"name": "Alan\u200bBrooks"}, "name"),
    ],
)
def test_bad_or_known_caller_is_answered_in_the_modal_and_nothing_is_written(
    slack: SlackHarness, changes: dict[str, str], field: str
) -> None:
    vmscript(slack, PROFILE)
    logcall(slack, JANE)
    click(slack, button_in(vmscript(slack, "wrong")))
    (view,) = opened_views(slack)
    reply = submit(slack, view, {"name": "Alan Brooks", **changes})
    assert reply.json["response_action"] == "errors"
    assert list(reply.json["errors"]) == [field]  # type: ignore[call-overload]
    assert count(slack, ProspectRow) == 1
    assert count(slack, CallLogRow) == 1


# --- profile -----------------------------------------------------------------------------


def test_profile_is_set_in_one_line(slack: SlackHarness) -> None:
    reply = vmscript(
        slack, PROFILE + " cell:312-555-0199 email:Sam@AcmeDialer.com", user="U7", team="T7"
    )
    assert "Saved" in reply.text
    assert "312-555-0199" in reply.text
    with slack.session_factory() as session:
        rep = session.scalars(select(RepRow)).one()
    assert (rep.team_id, rep.user_id, rep.name, rep.phone, rep.cell, rep.email) == (
        "T7",
        "U7",
        "Sam Lee",
        "+13125550100",
        "+13125550199",
        "sam@acmedialer.com",
    )
    assert rep.benefit == "we help sales teams book 20% more meetings"
    assert rep.tz == "America/Chicago"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("profile phone:12", "12"),
        ("profile email:nope", "email:nope"),
        ("profile colour:blue", "colour:blue"),
        ('profile benefit:"never closed', "never closed"),
    ],
)
def test_bad_profile_line_quotes_the_problem_and_writes_nothing(
    slack: SlackHarness, text: str, quoted: str
) -> None:
    reply = vmscript(slack, text)
    assert ":warning:" in reply.text
    assert quoted in reply.text
    assert count(slack, RepRow) == 0


def test_profile_alone_shows_it_and_opens_the_form_which_saves(slack: SlackHarness) -> None:
    vmscript(slack, PROFILE)
    reply = vmscript(slack, "profile")
    assert "Sam Lee" in reply.text and "312-555-0100" in reply.text
    assert "_not set_" in reply.text
    (view,) = opened_views(slack)
    assert view["callback_id"] == ids.VMSCRIPT_PROFILE_VIEW
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert prefilled["name"] == "Sam Lee"
    assert prefilled["benefit"] == "we help sales teams book 20% more meetings"

    saved = submit(slack, view, {"cell": "(312) 555-0199", "company": None, "email": "sam@acme.io"})
    assert saved.json["response_action"] == "update"
    assert_valid_view(saved.json["view"])  # type: ignore[arg-type]
    with slack.session_factory() as session:
        rep = session.scalars(select(RepRow)).one()
    assert (rep.name, rep.phone, rep.cell, rep.company, rep.email) == (
        "Sam Lee",
        "+13125550100",
        "+13125550199",
        None,
        "sam@acme.io",
    )


def test_profile_form_errors_are_shown_per_field_and_nothing_changes(
    slack: SlackHarness,
) -> None:
    vmscript(slack, PROFILE)
    vmscript(slack, "profile")
    (view,) = opened_views(slack)
    reply = submit(slack, view, {"phone": "555", "cell": "call me", "email": "sam@", "name": ""})
    assert reply.json["response_action"] == "errors"
    errors = reply.json["errors"]
    assert sorted(errors) == ["cell", "email", "name", "phone"]  # type: ignore[arg-type]
    assert "555" in errors["phone"]  # type: ignore[index]
    with slack.session_factory() as session:
        rep = session.scalars(select(RepRow)).one()
    assert (rep.name, rep.phone, rep.email) == ("Sam Lee", "+13125550100", None)


def test_profile_reply_still_comes_when_the_form_cannot_open(slack: SlackHarness) -> None:
    slack.standin.fail_next("views.open", error="expired_trigger_id", status=200)
    reply = vmscript(slack, "profile")
    assert "expired_trigger_id" in reply.text
    assert "/vmscript profile phone:" in reply.text
    assert count(slack, RepRow) == 0


# --- facts -------------------------------------------------------------------------------


def test_facts_are_listed_numbered_and_removed_by_the_shown_number(slack: SlackHarness) -> None:
    assert "No facts yet" in vmscript(slack, "facts list").text
    for fact in FACTS:
        vmscript(slack, f"facts add {fact}")
    listed = vmscript(slack, "facts")
    for number, fact in enumerate(FACTS, start=1):
        assert f"{number}. {fact}" in listed.text
    removed = vmscript(slack, "facts remove 2")
    assert f"Removed “{FACTS[1]}”" in removed.text
    assert f"1. {FACTS[0]}" in removed.text and f"2. {FACTS[2]}" in removed.text
    vmscript(slack, "facts remove 2")
    with slack.session_factory() as session:
        assert session.scalars(select(RepFactRow.text)).all() == [FACTS[0]]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("facts remove 4", "no fact 4"),
        ("facts remove two", "two"),
        ("facts remove 0", "0"),
        ("facts drop 1", "facts drop"),
        (f'facts add "{FACTS[0]}"', "already fact 1"),
        ("facts add", "Say the fact"),
    ],
)
def test_bad_fact_commands_quote_the_problem_and_change_nothing(
    slack: SlackHarness, text: str, quoted: str
) -> None:
    vmscript(slack, f"facts add {FACTS[0]}")
    reply = vmscript(slack, text)
    assert ":warning:" in reply.text
    assert quoted in reply.text
    with slack.session_factory() as session:
        assert session.scalars(select(RepFactRow.text)).all() == [FACTS[0]]


def test_facts_belong_to_one_rep_in_one_team(slack: SlackHarness) -> None:
    vmscript(slack, f"facts add {FACTS[0]}", user="U1", team="TA")
    assert "No facts yet" in vmscript(slack, "facts list", user="U2", team="TA").text
    assert "No facts yet" in vmscript(slack, "facts list", user="U1", team="TB").text
    assert "no fact 1" in vmscript(slack, "facts remove 1", user="U2", team="TA").text
    assert count(slack, RepFactRow) == 1


# --- check -------------------------------------------------------------------------------


def test_check_finds_a_script_that_blames_the_prospect(slack: SlackHarness) -> None:
    reply = vmscript(
        slack,
        "check Hi Jane, it's Sam at 312-555-0100. I haven't heard from you since my last"
        " message. Call me tomorrow at 9 a.m. to save 20% — 312-555-0100.",
    )
    assert "haven't heard from you" in reply.text
    assert "never make them wrong" in reply.text
    assert "Lints clean" not in reply.text


def test_check_uses_the_reps_own_number(slack: SlackHarness) -> None:
    script = (
        "check Hi Jane, it's Sam at 312-555-0199. We save clinics 20% on no-shows."
        " If Thursday at 8 a.m. doesn't work, call me at 312-555-0199."
    )
    assert "Lints clean" in vmscript(slack, script).text
    vmscript(slack, PROFILE)
    assert "Say your phone number" in vmscript(slack, script).text
    assert count(slack, DraftRow) == 0


# --- whose prospect ----------------------------------------------------------------------


def test_unknown_prospect_suggests_logging_it_and_writes_nothing(slack: SlackHarness) -> None:
    vmscript(slack, PROFILE)
    before = count(slack, Workspace)
    reply = vmscript(slack, "Jane Doe")
    assert "no prospect named “Jane Doe”" in reply.text
    assert "/logcall Jane Doe" in reply.text and "/prospect add" in reply.text
    assert count(slack, DraftRow) == 0
    assert count(slack, ProspectRow) == 0
    assert count(slack, Workspace) == before


def test_another_teams_or_reps_prospect_of_the_same_name_is_never_used(
    slack: SlackHarness,
) -> None:
    ready_rep(slack, user="U1", team="TA")
    vmscript(slack, PROFILE, user="U2", team="TA")
    vmscript(slack, PROFILE, user="U1", team="TB")
    assert "no prospect named" in vmscript(slack, "Jane Doe", user="U2", team="TA").text
    assert "no prospect named" in vmscript(slack, "Jane Doe", user="U1", team="TB").text
    logcall(slack, 'Jane Doe vm ref:"Kim Park"', user="U2", team="TA")
    script = script_of(vmscript(slack, "Jane Doe", user="U2", team="TA"))
    assert "Kim Park" in script and "Harley" not in script
    with slack.session_factory() as session:
        drafts = session.scalars(select(DraftRow)).all()
        owner = session.get(ProspectRow, drafts[0].prospect_id)
    assert [(d.team_id, d.rep_user_id) for d in drafts] == [("TA", "U2")]
    assert owner is not None and owner.owner_id == "U2"


def test_user_text_is_escaped_so_nobody_is_pinged(slack: SlackHarness) -> None:
    # What the rep typed, as Slack sends it: their `<`, `>` and `&` escaped.
    vmscript(slack, 'profile company:"&lt;!here&gt; &amp; Co" phone:312-555-0100 name:"Sam <@U9>"')
    logcall(
        slack,
        '"&lt;!channel&gt; Doe" vm company:"&lt;https://evil|Acme&gt;" ref:"&lt;!everyone&gt; Ray"',
    )
    reply = vmscript(slack, '"&lt;!channel&gt; Doe"')
    for raw in ("<!channel>", "<!here>", "<@U9>", "<https://evil|Acme>", "<!everyone>"):
        assert raw not in reply.body
    assert "&lt;!channel&gt; Doe" in reply.text
    profile = vmscript(slack, "profile")
    assert "<!here>" not in profile.body and "&lt;!here&gt; &amp; Co" in profile.text


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help_prints_usage(slack: SlackHarness, text: str) -> None:
    reply = vmscript(slack, text)
    for word in ("screener", "wrong", "profile", "facts add", "check"):
        assert word in reply.text
    assert count(slack, RepRow) == 0


def test_bad_draft_line_quotes_the_problem(slack: SlackHarness) -> None:
    reply = vmscript(slack, "Jane email Doe")
    assert "“email”" in reply.text and ":warning:" in reply.text
    assert count(slack, DraftRow) == 0


def test_the_proposed_time_is_never_the_prospects_public_holiday(slack: SlackHarness) -> None:
    slack.clock.now = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # Wed 7 p.m. in New York
    vmscript(slack, PROFILE)
    slack.command(ids.LOGCALL, "Jane Doe noanswer phone:+1 212 555 0143")
    draft = vmscript(slack, "Jane Doe").text
    assert "Friday" in draft and "Thursday" not in draft
