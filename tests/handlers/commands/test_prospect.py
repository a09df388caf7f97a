"""/prospect end to end: signed commands, button clicks and form submissions against the
fake Slack Web API, with the rows checked after each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.runtime.slack_standin import RESPONSE_URL
from storage.models import CallLogRow, DraftRow, OwedReturnCallRow, ProspectRow, RepRow
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.handlers.learned_windows import MONDAY_0600, add_prospect, four_pm_history
from tests.slack import Reply, SlackHarness

JANE = (
    "add Jane Doe phone:+1 212 555 0143 email:Jane@Globex.com company:Globex value:$12k"
    ' ref:"Harley Smith" note:"met at the expo"'
)


def prospect(slack: SlackHarness, text: str, **who: str) -> Reply:
    reply = slack.command(ids.PROSPECT, text, **who)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert_valid_message(reply.json)
    return reply


def logcall(slack: SlackHarness, text: str, **who: str) -> None:
    assert slack.command(ids.LOGCALL, text, **who).status == 200


def count(slack: SlackHarness, model: type) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def jane_row(slack: SlackHarness) -> ProspectRow:
    with slack.session_factory() as session:
        return session.scalars(select(ProspectRow).where(ProspectRow.name == "Jane Doe")).one()


def actor(user: str, team: str) -> dict[str, object]:
    return {
        "team": {"id": team, "domain": "phonetag"},
        "user": {"id": user, "team_id": team, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0PHONETAG",
        "token": "unused",
    }


def click(
    slack: SlackHarness, button: dict[str, Any], *, user: str = "U1", team: str = "T1"
) -> list[dict[str, Any]]:
    """Press the button as Slack sends it; returns what the app posted to the response_url."""
    before = len(slack.standin.calls_to(RESPONSE_URL))
    payload = actor(user, team) | {
        "type": "block_actions",
        "trigger_id": "trigger-2",
        "response_url": slack.standin.response_url(f"{team}-{user}"),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": "D" + user, "name": "directmessage"},
        "actions": [{**button, "block_id": "b1", "action_ts": "1.0"}],
    }
    assert slack.interaction(payload).status == 200
    return [call.args for call in slack.standin.calls_to(RESPONSE_URL)[before:]]


def submit(
    slack: SlackHarness,
    view: dict[str, Any],
    changes: dict[str, str | None],
    *,
    user: str = "U1",
    team: str = "T1",
) -> Reply:
    """Submit the form as Slack does: every input's current value, typed or prefilled."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "static_select":
            chosen = changes.get(block["block_id"], element["initial_option"]["value"])
            option = next(o for o in element["options"] if o["value"] == chosen)
            values[block["block_id"]] = {
                element["action_id"]: {"type": "static_select", "selected_option": option}
            }
            continue
        typed = changes.get(block["block_id"], element.get("initial_value"))
        values[block["block_id"]] = {
            element["action_id"]: {"type": "plain_text_input", "value": typed}
        }
    payload = actor(user, team) | {
        "type": "view_submission",
        "trigger_id": "trigger-3",
        "view": {**view, "id": "V1", "team_id": team, "hash": "1", "state": {"values": values}},
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def opened_view(slack: SlackHarness) -> dict[str, Any]:
    (call,) = slack.standin.calls_to("views.open")
    view: dict[str, Any] = call.args["view"]
    assert_valid_view(view)
    return view


def delete_button(reply: Reply) -> dict[str, Any]:
    (actions,) = [block for block in reply.json["blocks"] if block["type"] == "actions"]  # type: ignore[union-attr]
    (button,) = actions["elements"]
    return button


# --- add ---------------------------------------------------------------------------------


def test_add_stores_the_prospect_and_answers_with_cadence_and_first_window(
    slack: SlackHarness,
) -> None:
    reply = prospect(slack, JANE)
    assert "Added *Jane Doe* (Globex)" in reply.text
    assert "16 attempts budgeted for a $12,000 deal" in reply.text
    # 10:00 in Chicago is 11:00 in New York: lunch is the next window on their clock.
    assert "today 12:00–1:00 PM EST (11:00 AM–12:00 PM your time)" in reply.text
    assert "guessed from the phone number" in reply.text
    row = jane_row(slack)
    assert (row.phone, row.email, row.tz, row.tz_inferred, row.deal_value) == (
        "+12125550143",
        "jane@globex.com",
        "America/New_York",
        True,
        12000,
    )
    assert (row.team_id, row.owner_id, row.referrer, row.connection_note, row.status) == (
        "T1",
        "U1",
        "Harley Smith",
        "met at the expo",
        "active",
    )
    assert count(slack, RepRow) == 1


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "add Janet Roe phone:(212) 555-0143",
            "You already have Jane Doe (212-555-0143): same phone",
        ),
        ("add Janet Roe cell:212.555.0143", "same phone"),
        (
            "add J. Doe email:JANE@globex.COM",
            "You already have Jane Doe (212-555-0143): same email",
        ),
        ("add JANE   doe", "same name"),
    ],
)
def test_duplicates_by_phone_email_or_name_are_refused_and_nothing_is_written(
    slack: SlackHarness, text: str, said: str
) -> None:
    prospect(slack, JANE)
    reply = prospect(slack, text)
    assert said in reply.text
    assert "Nothing was added" in reply.text
    assert count(slack, ProspectRow) == 1


def test_another_reps_or_workspaces_prospect_is_no_duplicate(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    assert "Added" in prospect(slack, JANE, user="U2").text
    assert "Added" in prospect(slack, JANE, user="U1", team="T2").text
    assert count(slack, ProspectRow) == 3


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("add Jane phone:555-0143", "“555-0143”"),
        ("add Jane email:jane@globex", "“email:jane@globex”"),
        ("add Jane value:twelve", "“value:twelve”"),
        ("add Jane tz:Moon/Base", "“tz:Moon/Base”"),
        ("add", "Put the prospect's name after add"),
        ("snooze Jane Doe forever", "“Jane Doe forever”"),
        ('snooze Jane Doe until "last tuesday"', "last tuesday"),
        ("list soon", "“soon”"),
        ("launch Jane", "“launch”"),
    ],
)
def test_bad_input_is_quoted_back_and_nothing_is_written(
    slack: SlackHarness, text: str, quoted: str
) -> None:
    if text.startswith("snooze"):
        prospect(slack, JANE)
    before = (count(slack, ProspectRow), count(slack, RepRow))
    reply = prospect(slack, text)
    assert ":warning:" in reply.text
    assert quoted in reply.text
    assert (count(slack, ProspectRow), count(slack, RepRow)) == before
    if text.startswith("snooze"):
        assert jane_row(slack).snoozed_until is None


def test_user_text_is_escaped_so_it_cannot_ping_or_link(slack: SlackHarness) -> None:
    # What the rep typed, as Slack sends it: their `<`, `>` and `&` escaped.
    reply = prospect(
        slack, 'add "&lt;!channel&gt; Bob" company:"&lt;https://evil.example|Acme&gt; &amp; Co"'
    )
    assert "<!channel>" not in reply.body
    assert "&lt;!channel&gt; Bob" in reply.text
    assert "&lt;https://evil.example|Acme&gt; &amp; Co" in reply.text
    shown = prospect(slack, "list")
    assert "<!channel>" not in shown.body and "&lt;!channel&gt;" in shown.text


def test_help(slack: SlackHarness) -> None:
    assert "/prospect snooze Jane Doe 1d|1w" in prospect(slack, "help").text


# --- show --------------------------------------------------------------------------------


def test_show_lists_the_last_ten_calls_drafts_used_and_the_next_step(
    slack: SlackHarness,
) -> None:
    prospect(slack, JANE)
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 312 555 0100')
    slack.command(ids.VMSCRIPT, 'facts add "we cut no-shows 30% for clinics"')
    for _ in range(11):
        logcall(slack, "Jane Doe noanswer")
        slack.clock.now += timedelta(hours=1)
    logcall(slack, "Jane Doe vm called about the bid")
    slack.command(ids.VMSCRIPT, "Jane Doe")
    reply = prospect(slack, "show jane doe")
    assert "*Jane Doe* (Globex)" in reply.text
    assert "Referred by: Harley Smith" in reply.text
    assert "*Calls* (12, latest first; 2 older not shown)" in reply.text
    assert reply.text.count("No answer") == 9
    # Times in the rep's zone: the last voicemail was at 22:00 UTC, 4 pm in Chicago.
    assert "Mon Nov 23, 9:00 PM CST: Voicemail left – called about the bid" in reply.text
    assert "*Drafts used*" in reply.text and "we cut no-shows 30% for clinics" in reply.text
    assert "*Next step:* Voicemail 1 of 3 in this 10-day window." in reply.text
    assert "*Best next window:*" in reply.text


def test_show_an_unknown_prospect_says_so(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    reply = prospect(slack, "show Nobody Here")
    assert "You have no prospect named “Nobody Here”" in reply.text
    # Another rep's Jane is not found either.
    assert "no prospect named" in prospect(slack, "show Jane Doe", user="U2").text


# --- list --------------------------------------------------------------------------------


def test_list_filters(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    logcall(slack, "Wanda Lee won phone:+1 303 555 0142")
    logcall(slack, "Dana Knott dnc")
    logcall(slack, "Ivy Caller inbound phone:+1 415 555 0132")
    logcall(slack, "Vera Vance vm phone:+1 312 555 0177")
    for _ in range(2):
        slack.clock.now += timedelta(days=1)
        logcall(slack, "Vera Vance vm")
    logcall(slack, 'Later Larry vm phone:+1 312 555 0188 next:"in 3 days"')

    everyone = {"Jane Doe", "Wanda Lee", "Dana Knott", "Ivy Caller", "Vera Vance", "Later Larry"}

    def names(which: str) -> set[str]:
        reply = prospect(slack, f"list {which}".strip())
        return {name for name in everyone if f"*{name}*" in reply.text}

    assert names("") == {"Jane Doe", "Ivy Caller", "Vera Vance", "Later Larry"}
    assert names("won") == {"Wanda Lee"}
    assert names("dnc") == {"Dana Knott"}
    assert names("all") == everyone
    assert names("owed") == {"Ivy Caller"}
    assert "Return their call by" in prospect(slack, "list owed").text
    assert names("laidoff") == {"Vera Vance"}
    assert "No calls until" in prospect(slack, "list laidoff").text
    # Due is what the digest lists now: Vera's email too, not Larry (follow-up set later).
    assert names("due") == {"Jane Doe", "Ivy Caller", "Vera Vance"}
    assert "send an email instead" in prospect(slack, "list due").text
    assert "*Lost*: No prospects here yet." in prospect(slack, "list lost").text


def test_a_long_list_stays_within_fifty_blocks_and_says_how_many_more(
    slack: SlackHarness,
) -> None:
    for n in range(45):
        prospect(slack, f"add Prospect {n:02d}")
    reply = prospect(slack, "list")
    blocks = reply.json["blocks"]
    assert len(blocks) <= 50  # type: ignore[arg-type]
    assert "*Active prospects* (45)" in reply.text
    assert "*Prospect 39*" in reply.text and "*Prospect 40*" not in reply.text
    assert "…and 5 more" in reply.text


def test_list_due_names_the_window_the_digest_would(slack: SlackHarness) -> None:
    slack.clock.now = MONDAY_0600
    add_prospect(slack, "Dana Due")
    before = prospect(slack, "list due").text
    # New York's before-8:30, from 7:00 on the Chicago rep's clock.
    assert "8:00–8:30 AM EST (7:00–7:30 AM your time)" in before
    four_pm_history(slack)
    after = prospect(slack, "list due").text
    assert "*Dana Due*" in after
    assert "4:00–5:00 PM EST (3:00–4:00 PM your time)" in after, after
    assert "8:00–8:30 AM EST" not in after


# --- snooze ------------------------------------------------------------------------------


def test_snooze_for_a_week_then_until_a_date_then_off(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    reply = prospect(slack, "snooze Jane Doe 1w")
    assert "Snoozed *Jane Doe* (Globex) until Mon Nov 30, 12:00 AM CST" in reply.text
    assert jane_row(slack).snoozed_until == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert "Jane Doe" not in prospect(slack, "list due").text
    assert "Snoozed until" in prospect(slack, "list").text

    reply = prospect(slack, 'snooze jane doe until "dec 3 8am"')
    assert "until Thu Dec 3, 8:00 AM CST" in reply.text
    assert jane_row(slack).snoozed_until == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)

    assert "is awake" in prospect(slack, "snooze Jane Doe off").text
    assert jane_row(slack).snoozed_until is None
    assert "*Jane Doe*" in prospect(slack, "list due").text


def test_snooze_only_finds_the_reps_own_prospect(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    reply = prospect(slack, "snooze Jane Doe 1w", team="T2")
    assert "no prospect named “Jane Doe”" in reply.text
    assert jane_row(slack).snoozed_until is None


# --- delete ------------------------------------------------------------------------------


def test_delete_asks_first_then_the_button_deletes_with_everything_attached(
    slack: SlackHarness,
) -> None:
    prospect(slack, JANE)
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 312 555 0100')
    logcall(slack, "Jane Doe vm")
    logcall(slack, "Jane Doe inbound")
    slack.command(ids.VMSCRIPT, "Jane Doe")
    prospect(slack, "add Other Person")

    prompt = prospect(slack, "delete Jane Doe")
    assert "Delete *Jane Doe* (Globex) with their 2 logged calls and 1 draft?" in prompt.text
    button = delete_button(prompt)
    assert button["style"] == "danger"
    assert button["confirm"]["confirm"]["text"] == "Delete"
    assert button["value"] == str(jane_row(slack).id)
    assert count(slack, ProspectRow) == 2  # asking deletes nothing

    (response,) = click(slack, button)
    assert response["replace_original"] is True
    assert "Deleted *Jane Doe* with their 2 logged calls and 1 draft." in response["text"]
    assert count(slack, ProspectRow) == 1
    assert (count(slack, CallLogRow), count(slack, OwedReturnCallRow), count(slack, DraftRow)) == (
        0,
        0,
        0,
    )
    # Pressed again (an old message): already gone, said plainly.
    (again,) = click(slack, button)
    assert "isn't one of yours in this workspace" in again["text"]


@pytest.mark.parametrize(
    ("user", "team"),
    [("U1", "T2"), ("U9", "T2"), ("U2", "T1")],
    ids=["same user id in team B", "team B user", "teammate"],
)
def test_a_button_carrying_someone_elses_prospect_id_is_refused(
    slack: SlackHarness, user: str, team: str
) -> None:
    prospect(slack, JANE)
    logcall(slack, "Jane Doe vm")
    button = delete_button(prospect(slack, "delete Jane Doe"))

    (response,) = click(slack, button, user=user, team=team)
    assert response["replace_original"] is False
    assert "it isn't one of yours in this workspace. Nothing was changed." in response["text"]
    assert (count(slack, ProspectRow), count(slack, CallLogRow)) == (1, 1)


def test_a_forged_button_value_is_refused(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    button = delete_button(prospect(slack, "delete Jane Doe"))
    (response,) = click(slack, {**button, "value": "1 OR 1=1"})
    assert "isn't one of yours in this workspace" in response["text"]
    assert count(slack, ProspectRow) == 1


# --- edit --------------------------------------------------------------------------------


def test_edit_opens_a_prefilled_form(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    reply = prospect(slack, "edit jane doe")
    assert "Editing *Jane Doe*" in reply.text
    view = opened_view(slack)
    assert view["callback_id"] == ids.PROSPECT_EDIT_VIEW
    assert view["private_metadata"] == str(jane_row(slack).id)
    prefilled = {
        block["block_id"]: block["element"].get("initial_value")
        or block["element"].get("initial_option", {}).get("value")
        for block in view["blocks"]
    }
    assert prefilled == {
        "name": "Jane Doe",
        "company": "Globex",
        "phone": "+12125550143",
        "cell": None,
        "email": "jane@globex.com",
        "tz": "America/New_York",
        "value": "$12,000",
        "ref": "Harley Smith",
        "hook": None,
        "note": "met at the expo",
        "status": "active",
    }


def test_edit_form_errors_per_field_then_saves(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    prospect(slack, "add Other Person phone:+1 303 555 0142 email:other@initech.com")
    prospect(slack, "edit Jane Doe")
    view = opened_view(slack)
    before = jane_row(slack)

    bad = submit(
        slack,
        view,
        {"name": "", "phone": "555", "email": "jane@", "value": "lots", "tz": "Moon/Base"},
    )
    assert bad.json["response_action"] == "errors"
    errors = bad.json["errors"]
    assert set(errors) == {"name", "phone", "email", "value", "tz"}  # type: ignore[arg-type]
    assert "“555”" in errors["phone"]  # type: ignore[index]
    assert "“jane@”" in errors["email"]  # type: ignore[index]

    clash = submit(slack, view, {"cell": "303-555-0142"})
    assert clash.json["errors"] == {  # type: ignore[comparison-overlap]
        "cell": "You already have Other Person (303-555-0142): same phone."
    }
    clash = submit(slack, view, {"email": "OTHER@initech.com"})
    assert "same email" in clash.json["errors"]["email"]  # type: ignore[index]
    after_errors = jane_row(slack)
    assert (after_errors.name, after_errors.phone, after_errors.email) == (
        before.name,
        before.phone,
        before.email,
    )

    saved = submit(
        slack,
        view,
        {
            "name": "Jane Doe-Smith",
            "phone": "(312) 555-0100",
            "tz": "",
            "value": "$20k",
            "ref": "",
            "status": "won",
        },
    )
    assert saved.json["response_action"] == "update"
    assert_valid_view(saved.json["view"])  # type: ignore[arg-type]
    with slack.session_factory() as session:
        row = session.get(ProspectRow, before.id)
        assert row is not None
        assert (row.name, row.name_key, row.phone, row.tz, row.tz_inferred) == (
            "Jane Doe-Smith",
            "jane doe-smith",
            "+13125550100",
            "America/Chicago",
            True,
        )
        assert (row.deal_value, row.referrer, row.status, row.company) == (
            20000,
            None,
            "won",
            "Globex",
        )


def test_edit_submitted_from_another_workspace_or_rep_changes_nothing(
    slack: SlackHarness,
) -> None:
    prospect(slack, JANE)
    prospect(slack, "edit Jane Doe")
    view = opened_view(slack)
    for user, team in (("U1", "T2"), ("U2", "T1")):
        reply = submit(slack, view, {"name": "Hijacked"}, user=user, team=team)
        assert reply.json["response_action"] == "errors"
        assert "no longer one of yours" in reply.json["errors"]["name"]  # type: ignore[index]
    assert jane_row(slack).name == "Jane Doe"


def test_edit_of_an_unknown_prospect_opens_nothing(slack: SlackHarness) -> None:
    reply = prospect(slack, "edit Nobody")
    assert "no prospect named “Nobody”" in reply.text
    assert slack.standin.calls_to("views.open") == []


def test_the_form_and_the_line_refuse_a_value_in_another_currency(slack: SlackHarness) -> None:
    prospect(slack, JANE)
    prospect(slack, "edit Jane Doe")
    refused = submit(slack, opened_view(slack), {"value": "£20k"})
    assert "counts deals in $ (USD), not £ (GBP)" in refused.json["errors"]["value"]  # type: ignore[index]
    assert jane_row(slack).deal_value == 12_000
    line = prospect(slack, "add Kim Park value:€15k")
    assert "not € (EUR)" in line.text
    assert count(slack, ProspectRow) == 1
