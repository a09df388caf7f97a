"""The /logcall form: opened by an empty /logcall, type-ahead, per-field errors, logged once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.blocks.logcall import DEAL_VALUE, FOLLOW_UP, OUTCOME, PROSPECT
from storage.models import CallLogRow, ProcessedEventRow, ProspectRow, RepRow
from tests.handlers.interactions import (
    count,
    logcall_values,
    open_home,
    submit,
    text_of,
    type_ahead,
    views,
    week_numbers,
)
from tests.slack import SlackHarness


def open_form(slack: SlackHarness, **who: str) -> dict[str, Any]:
    reply = slack.command(ids.LOGCALL, "", **who)
    assert reply.status == 200
    opened = views(slack, "views.open")
    assert opened, "an empty /logcall opens the form"
    return opened[-1]


def prospect_id(slack: SlackHarness, name: str, team: str = "T1") -> int:
    with slack.session_factory() as session:
        return session.scalars(
            select(ProspectRow.id).where(ProspectRow.name == name, ProspectRow.team_id == team)
        ).one()


def test_empty_logcall_opens_a_valid_form_with_every_outcome(slack: SlackHarness) -> None:
    view = open_form(slack)
    assert view["callback_id"] == ids.LOGCALL_VIEW
    assert slack.standin.calls_to("views.open")[0].args["trigger_id"] == "trigger-1"
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks[PROSPECT]["element"]["type"] == "external_select"
    assert len(blocks[OUTCOME]["element"]["options"]) == 13
    assert blocks[FOLLOW_UP]["element"]["type"] == "datetimepicker"
    assert "America/Chicago" in blocks[FOLLOW_UP]["hint"]["text"]
    assert count(slack, RepRow) == 0


def test_form_that_cannot_open_says_so_and_offers_the_one_line_way(slack: SlackHarness) -> None:
    slack.standin.fail_next("views.open", error="expired_trigger_id", status=200)
    reply = slack.command(ids.LOGCALL, "")
    assert "couldn't open the call form" in reply.text
    assert "expired_trigger_id" in reply.text


def test_type_ahead_offers_only_the_reps_own_prospects_and_a_new_one(
    slack: SlackHarness,
) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm", user="U1", team="T1")
    slack.command(ids.LOGCALL, "Janet Roe vm", user="U1", team="T1")
    slack.command(ids.LOGCALL, "Jane Other vm", user="U2", team="T1")
    slack.command(ids.LOGCALL, "Jane Elsewhere vm", user="U1", team="T2")
    options = type_ahead(slack, "jan").json["options"]
    labels = [option["text"]["text"] for option in options]  # type: ignore[index]
    assert labels == ["Jane Doe", "Janet Roe", "➕ New prospect: jan"]
    values = [option["value"] for option in options]  # type: ignore[index]
    assert values[0] == f"id:{prospect_id(slack, 'Jane Doe')}"
    assert values[-1] == "new:jan"
    exact = type_ahead(slack, "jane doe").json["options"]
    assert [o["text"]["text"] for o in exact] == ["Jane Doe"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (logcall_values(prospect="new:Jane Doe"), OUTCOME, "Pick how the call went"),
        (logcall_values(outcome="vm"), PROSPECT, "Pick one of your prospects"),
        (
            logcall_values(prospect="new:Jane Doe", outcome="vm", deal_value="lots"),
            DEAL_VALUE,
            "“lots” isn't an amount of money",
        ),
        (
            logcall_values(prospect="new:Jane Doe", outcome="vm", deal_value="£20k"),
            DEAL_VALUE,
            "This workspace counts deals in $ (USD), not £ (GBP)",
        ),
        ("past", FOLLOW_UP, "That time has passed"),
    ],
)
def test_bad_fields_are_answered_in_the_form_and_nothing_is_written(
    slack: SlackHarness, values: Any, field: str, message: str
) -> None:
    view = open_form(slack)
    if values == "past":
        yesterday = int((slack.clock.now - timedelta(days=1)).timestamp())
        values = logcall_values(prospect="new:Jane Doe", outcome="vm", follow_up=yesterday)
    reply = submit(slack, view, values)
    assert reply.json["response_action"] == "errors"
    assert message in reply.json["errors"][field]  # type: ignore[index]
    for model in (ProspectRow, CallLogRow, RepRow):
        assert count(slack, model) == 0
    with slack.session_factory() as session:
        claims = session.scalars(select(ProcessedEventRow.event_id)).all()
    assert not [claim for claim in claims if claim.startswith("view:")], "the fixed form can log"


def test_every_bad_field_is_reported_at_once(slack: SlackHarness) -> None:
    view = open_form(slack)
    reply = submit(slack, view, logcall_values(deal_value="-5", phone="12"))
    assert set(reply.json["errors"]) == {PROSPECT, OUTCOME, DEAL_VALUE, "phone"}  # type: ignore[arg-type]


def test_a_valid_form_logs_the_call_confirms_by_dm_and_refreshes_home(
    slack: SlackHarness,
) -> None:
    open_home(slack)
    view = open_form(slack)
    tomorrow = int((slack.clock.now + timedelta(days=1)).timestamp())
    values = logcall_values(
        prospect="new:Jane Doe",
        outcome="vm",
        notes="left msg about the bid",
        follow_up=tomorrow,
        deal_value="$12k",
        phone="+1 212 555 0143",
    )
    reply = submit(slack, view, values)
    assert reply.body == ""
    with slack.session_factory() as session:
        prospect = session.scalars(select(ProspectRow)).one()
        call = session.scalars(select(CallLogRow)).one()
    assert (prospect.name, prospect.deal_value, prospect.tz) == (
        "Jane Doe",
        12000,
        "America/New_York",
    )
    assert prospect.follow_up_at is not None
    assert int(prospect.follow_up_at.timestamp()) == tomorrow
    assert (call.outcome, call.notes) == ("vm", "left msg about the bid")
    [dm] = slack.standin.calls_to("chat.postMessage")
    assert dm.args["channel"] == "U1"
    assert "Voicemail left" in text_of(dm.args) and "1 of 3" in text_of(dm.args)
    assert slack.redraw_homes() == 1
    home = views(slack, "views.publish")[-1]
    assert week_numbers(home)["Voicemails left"] == "1"


def test_picking_an_existing_prospect_logs_against_that_one(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    jane = prospect_id(slack, "Jane Doe")
    view = open_form(slack)
    submit(slack, view, logcall_values(prospect=f"id:{jane}", outcome="connected"))
    assert count(slack, ProspectRow) == 1
    with slack.session_factory() as session:
        outcomes = session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all()
    assert outcomes == ["vm", "connected"]


def test_another_reps_prospect_id_is_refused_in_the_form(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm", user="U2", team="T1")
    theirs = prospect_id(slack, "Jane Doe")
    view = open_form(slack)
    reply = submit(slack, view, logcall_values(prospect=f"id:{theirs}", outcome="connected"))
    assert "can't act on that prospect" in reply.json["errors"][PROSPECT]  # type: ignore[index]
    assert count(slack, CallLogRow) == 1


def test_the_same_form_submitted_twice_is_logged_once(slack: SlackHarness) -> None:
    view = open_form(slack)
    values = logcall_values(prospect="new:Jane Doe", outcome="vm")
    first = submit(slack, view, values, view_id="V42")
    second = submit(slack, view, values, view_id="V42")
    assert (first.status, second.status) == (200, 200)
    assert count(slack, CallLogRow) == 1
    assert len(slack.standin.calls_to("chat.postMessage")) == 1
    submit(slack, open_form(slack), values, view_id="V43")
    assert count(slack, CallLogRow) == 2


def test_fixing_an_error_then_submitting_logs_once(slack: SlackHarness) -> None:
    view = open_form(slack)
    bad = submit(slack, view, logcall_values(prospect="new:Jane Doe"), view_id="V7")
    assert bad.json["response_action"] == "errors"
    submit(slack, view, logcall_values(prospect="new:Jane Doe", outcome="vm"), view_id="V7")
    assert count(slack, CallLogRow) == 1
