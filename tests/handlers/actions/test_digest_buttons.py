"""Digest entry buttons: Log call, drafts and Snooze, refused for anyone but the owner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.blocks.logcall import FIELD, PROSPECT, SNOOZE_UNTIL
from storage.models import CallLogRow, DraftRow, ProspectRow
from tests.blockkit import assert_valid_message
from tests.handlers.interactions import (
    click,
    count,
    logcall_values,
    responses,
    submit,
    text_of,
    views,
)
from tests.slack import SlackHarness

PROFILE = 'profile name:"Sam Lee" phone:+1 312 555 0100'
# The clock is Monday 23 Nov 2026, 10:00 in Chicago (the stand-in's default zone).
TUESDAY_MIDNIGHT_CHICAGO = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
NEXT_MONDAY_MIDNIGHT_CHICAGO = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def jane(slack: SlackHarness) -> int:
    """Jane is due today for U1 in T1: a dial on Friday, nobody picked up."""
    slack.command(ids.VMSCRIPT, PROFILE)
    slack.command(ids.LOGCALL, 'Jane Doe noanswer phone:+1 212 555 0143 at:"fri 4pm"')
    with slack.session_factory() as session:
        return session.scalars(select(ProspectRow.id)).one()


def digest_controls(slack: SlackHarness) -> dict[str, Any]:
    """The first entry's buttons and Snooze menu, as `/digest now` shows them."""
    reply = slack.command(ids.DIGEST, "now")
    assert_valid_message(reply.json)
    actions = next(b for b in reply.json["blocks"] if b["type"] == "actions")  # type: ignore[union-attr,index]
    return {e["action_id"]: e for e in actions["elements"]}  # type: ignore[index]


def jane_row(slack: SlackHarness) -> ProspectRow:
    with slack.session_factory() as session:
        return session.scalars(select(ProspectRow)).one()


def test_log_call_opens_the_form_with_the_prospect_picked_and_logs_to_them(
    slack: SlackHarness, jane: int
) -> None:
    button = digest_controls(slack)[ids.DIGEST_LOG_CALL]
    click(slack, ids.DIGEST_LOG_CALL, button["value"])
    [form] = views(slack, "views.open")
    picker = next(b for b in form["blocks"] if b["block_id"] == PROSPECT)["element"]
    assert picker["initial_option"] == {
        "text": {"type": "plain_text", "text": "Jane Doe"},
        "value": f"id:{jane}",
    }
    submit(slack, form, logcall_values(prospect=f"id:{jane}", outcome="connected"))
    assert count(slack, ProspectRow) == 1
    assert count(slack, CallLogRow) == 2


@pytest.mark.parametrize(
    ("choice", "until"),
    [("day", TUESDAY_MIDNIGHT_CHICAGO), ("week", NEXT_MONDAY_MIDNIGHT_CHICAGO)],
)
def test_snooze_for_a_day_or_a_week_starts_that_morning(
    slack: SlackHarness, jane: int, choice: str, until: datetime
) -> None:
    menu = digest_controls(slack)[ids.DIGEST_SNOOZE]
    value = next(o["value"] for o in menu["options"] if o["value"].endswith(choice))
    click(slack, ids.DIGEST_SNOOZE, selected=value)
    assert jane_row(slack).snoozed_until == until
    assert "Snoozed" in text_of(responses(slack)[0])
    assert "Jane Doe" not in text_of(slack.command(ids.DIGEST, "now").json)


def test_snooze_until_a_date_asks_for_the_day_and_refuses_today(
    slack: SlackHarness, jane: int
) -> None:
    click(slack, ids.DIGEST_SNOOZE, selected=f"{jane}:date")
    [form] = views(slack, "views.open")
    assert form["callback_id"] == ids.SNOOZE_UNTIL_VIEW

    def on(day: date) -> dict[str, dict[str, Any]]:
        return {SNOOZE_UNTIL: {FIELD: {"type": "datepicker", "selected_date": day.isoformat()}}}

    refused = submit(slack, form, on(date(2026, 11, 23)))
    assert "after today" in refused.json["errors"][SNOOZE_UNTIL]  # type: ignore[index]
    assert jane_row(slack).snoozed_until is None
    saved = submit(slack, form, on(date(2026, 11, 30)))
    assert saved.json["response_action"] == "update"
    assert jane_row(slack).snoozed_until == NEXT_MONDAY_MIDNIGHT_CHICAGO


def test_draft_buttons_answer_with_a_draft(slack: SlackHarness, jane: int) -> None:
    controls = digest_controls(slack)
    click(slack, ids.DIGEST_DRAFT_VOICEMAIL, controls[ids.DIGEST_DRAFT_VOICEMAIL]["value"])
    click(slack, ids.DIGEST_DRAFT_EMAIL, str(jane))
    voicemail, email = responses(slack)
    assert "Voicemail" in text_of(voicemail)
    assert "Subject" in text_of(email)
    assert count(slack, DraftRow) == 2


@pytest.mark.parametrize(("user", "team"), [("U1", "T2"), ("U2", "T1")])
def test_a_prospect_id_from_another_workspace_or_rep_is_refused(
    slack: SlackHarness, jane: int, user: str, team: str
) -> None:
    slack.command(ids.VMSCRIPT, PROFILE, user=user, team=team)
    before = jane_row(slack)
    clicks: list[tuple[str, dict[str, str]]] = [
        (ids.DIGEST_LOG_CALL, {"value": str(jane)}),
        (ids.DIGEST_DRAFT_VOICEMAIL, {"value": str(jane)}),
        (ids.DIGEST_DRAFT_EMAIL, {"value": str(jane)}),
        (ids.DIGEST_SNOOZE, {"selected": f"{jane}:day"}),
        (ids.DIGEST_SNOOZE, {"selected": f"{jane}:week"}),
        (ids.DIGEST_SNOOZE, {"selected": f"{jane}:date"}),
        (ids.DIGEST_SNOOZE, {"selected": "DROP TABLE:day"}),
    ]
    for action_id, sent in clicks:
        click(slack, action_id, user=user, team=team, **sent)
    answers = responses(slack)
    assert len(answers) == len(clicks)
    assert all("can't act on that prospect" in text_of(answer) for answer in answers)
    assert views(slack, "views.open") == []
    after = jane_row(slack)
    assert (after.snoozed_until, after.follow_up_at) == (before.snoozed_until, None)
    assert count(slack, DraftRow) == 0
    assert count(slack, CallLogRow) == 1


def test_a_forged_snooze_form_for_someone_elses_prospect_is_refused(
    slack: SlackHarness, jane: int
) -> None:
    click(slack, ids.DIGEST_SNOOZE, selected=f"{jane}:date")
    [form] = views(slack, "views.open")
    day = {SNOOZE_UNTIL: {FIELD: {"type": "datepicker", "selected_date": "2026-11-30"}}}
    reply = submit(slack, form, day, user="U9", team="T9")
    assert "can't act on that prospect" in reply.json["errors"][SNOOZE_UNTIL]  # type: ignore[index]
    assert jane_row(slack).snoozed_until is None
