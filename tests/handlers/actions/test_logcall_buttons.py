"""Buttons on the /logcall confirmation: Undo, Draft voicemail, Set follow-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.blocks.logcall import FIELD, FOLLOW_UP
from storage.models import CallLogRow, DraftRow, OwedReturnCallRow, ProspectRow
from storage.standing import STANDING_COLUMNS
from tests.blockkit import assert_valid_message
from tests.handlers.interactions import click, count, responses, submit, text_of, views
from tests.slack import Reply, SlackHarness

PROFILE = 'profile name:"Sam Lee" phone:+1 312 555 0100 company:"Acme Dialer"'


def logcall(slack: SlackHarness, text: str, **who: str) -> dict[str, str]:
    """The confirmation's buttons by action_id -> value."""
    reply = slack.command(ids.LOGCALL, text, **who)
    assert_valid_message(reply.json)
    return buttons(reply)


def buttons(reply: Reply) -> dict[str, str]:
    actions = [b for b in reply.json["blocks"] if b["type"] == "actions"]  # type: ignore[union-attr,index]
    assert len(actions) == 1
    return {e["action_id"]: e["value"] for e in actions[0]["elements"]}  # type: ignore[index]


# Where the prospect stands is worked out again after an undo, not restored: not a detail.
_STANDING = {*STANDING_COLUMNS, "standing_version"}


def prospect_fields(slack: SlackHarness) -> list[dict[str, Any]]:
    with slack.session_factory() as session:
        rows = session.scalars(select(ProspectRow).order_by(ProspectRow.id)).all()
        return [
            {
                c.name: getattr(row, c.name)
                for c in ProspectRow.__table__.columns
                if c.name not in _STANDING
            }
            for row in rows
        ]


def owed_state(slack: SlackHarness) -> list[tuple[int, object]]:
    with slack.session_factory() as session:
        rows = session.execute(
            select(OwedReturnCallRow.id, OwedReturnCallRow.returned_at).order_by(
                OwedReturnCallRow.id
            )
        ).all()
    return [tuple(row) for row in rows]


def test_buttons_carry_only_ids(slack: SlackHarness) -> None:
    found = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    with slack.session_factory() as session:
        call_id = session.scalars(select(CallLogRow.id)).one()
        prospect_id = session.scalars(select(ProspectRow.id)).one()
    assert found == {
        ids.LOGCALL_UNDO: str(call_id),
        ids.LOGCALL_DRAFT_VOICEMAIL: str(prospect_id),
        ids.LOGCALL_SET_FOLLOW_UP: str(prospect_id),
    }


def test_undo_restores_exactly_the_previous_prospect_and_call_count(slack: SlackHarness) -> None:
    logcall(slack, 'Jane Doe vm phone:+1 212 555 0143 value:$12k next:"thu 8am" left msg')
    before = prospect_fields(slack)
    slack.clock.now += timedelta(minutes=30)
    second = logcall(
        slack,
        "Jane Doe won value:$50k company:Globex email:jane@globex.com tz:America/Denver"
        " cell:312-555-0199 ref:Bob",
    )
    assert prospect_fields(slack) != before
    slack.clock.now += timedelta(minutes=9)
    click(slack, ids.LOGCALL_UNDO, second[ids.LOGCALL_UNDO])
    assert prospect_fields(slack) == before
    assert count(slack, CallLogRow) == 1
    [answer] = responses(slack)
    assert answer["replace_original"] is True
    assert "Undone" in text_of(answer) and "Won" in text_of(answer)


def test_undo_reopens_the_return_call_it_closed_and_drops_the_one_it_opened(
    slack: SlackHarness,
) -> None:
    inbound = logcall(slack, "Jane Doe inbound phone:+1 212 555 0143")
    owed_open = owed_state(slack)
    assert [returned for _, returned in owed_open] == [None]
    returned = logcall(slack, "Jane Doe connected")
    assert owed_state(slack)[0][1] is not None
    click(slack, ids.LOGCALL_UNDO, returned[ids.LOGCALL_UNDO])
    assert owed_state(slack) == owed_open
    click(slack, ids.LOGCALL_UNDO, inbound[ids.LOGCALL_UNDO])
    assert owed_state(slack) == []


def test_undo_after_ten_minutes_is_refused_and_changes_nothing(slack: SlackHarness) -> None:
    logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    second = logcall(slack, "Jane Doe meeting value:$20k")
    after = prospect_fields(slack)
    slack.clock.now += timedelta(minutes=10, seconds=1)
    click(slack, ids.LOGCALL_UNDO, second[ids.LOGCALL_UNDO])
    [answer] = responses(slack)
    assert "10 minutes" in text_of(answer)
    assert answer["replace_original"] is False
    assert prospect_fields(slack) == after
    assert count(slack, CallLogRow) == 2


def test_undo_of_the_call_that_created_the_prospect_removes_it(slack: SlackHarness) -> None:
    first = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    logcall(slack, "Other Person noanswer")
    click(slack, ids.LOGCALL_UNDO, first[ids.LOGCALL_UNDO])
    assert [p["name"] for p in prospect_fields(slack)] == ["Other Person"]
    assert count(slack, CallLogRow) == 1
    assert "removed" in text_of(responses(slack)[0])


def test_only_the_latest_call_on_a_prospect_can_be_undone(slack: SlackHarness) -> None:
    first = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    logcall(slack, "Jane Doe noanswer")
    click(slack, ids.LOGCALL_UNDO, first[ids.LOGCALL_UNDO])
    assert "undo that one first" in text_of(responses(slack)[0])
    assert count(slack, CallLogRow) == 2


def test_undo_by_anyone_else_is_refused(slack: SlackHarness) -> None:
    mine = logcall(slack, "Jane Doe vm phone:+1 212 555 0143", user="U1", team="T1")
    before = prospect_fields(slack)
    click(slack, ids.LOGCALL_UNDO, mine[ids.LOGCALL_UNDO], user="U2", team="T1")
    click(slack, ids.LOGCALL_UNDO, mine[ids.LOGCALL_UNDO], user="U1", team="T2")
    click(slack, ids.LOGCALL_UNDO, "not-an-id")
    assert all("Nothing was changed" in text_of(r) for r in responses(slack))
    assert len(responses(slack)) == 3
    assert prospect_fields(slack) == before
    assert count(slack, CallLogRow) == 1


def test_draft_voicemail_answers_with_the_draft(slack: SlackHarness) -> None:
    slack.command(ids.VMSCRIPT, PROFILE)
    found = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    click(slack, ids.LOGCALL_DRAFT_VOICEMAIL, found[ids.LOGCALL_DRAFT_VOICEMAIL])
    [answer] = responses(slack)
    assert "Voicemail" in text_of(answer) and "Jane Doe" in text_of(answer)
    assert "Sam Lee" in text_of(answer)
    assert answer["replace_original"] is False
    assert count(slack, DraftRow) == 1


def test_draft_without_a_profile_says_how_to_add_one(slack: SlackHarness) -> None:
    found = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    click(slack, ids.LOGCALL_DRAFT_VOICEMAIL, found[ids.LOGCALL_DRAFT_VOICEMAIL])
    assert "/vmscript profile" in text_of(responses(slack)[0])
    assert count(slack, DraftRow) == 0


def test_set_follow_up_opens_a_form_that_saves_it(slack: SlackHarness) -> None:
    found = logcall(slack, "Jane Doe vm phone:+1 212 555 0143")
    click(slack, ids.LOGCALL_SET_FOLLOW_UP, found[ids.LOGCALL_SET_FOLLOW_UP])
    [form] = views(slack, "views.open")
    assert form["callback_id"] == ids.FOLLOW_UP_VIEW

    def picked(moment: int) -> dict[str, dict[str, Any]]:
        return {FOLLOW_UP: {FIELD: {"type": "datetimepicker", "selected_date_time": moment}}}

    past = int((slack.clock.now - timedelta(hours=1)).timestamp())
    refused = submit(slack, form, picked(past))
    assert "passed" in refused.json["errors"][FOLLOW_UP]  # type: ignore[index]
    assert prospect_fields(slack)[0]["follow_up_at"] is None

    later = int((slack.clock.now + timedelta(days=2)).timestamp())
    saved = submit(slack, form, picked(later))
    assert saved.json["response_action"] == "update"
    assert_valid_message({"text": "x", "blocks": saved.json["view"]["blocks"]})  # type: ignore[index]
    assert int(prospect_fields(slack)[0]["follow_up_at"].timestamp()) == later

    stolen = submit(slack, form, picked(later + 60), user="U2")
    assert "can't act on that prospect" in stolen.json["errors"][FOLLOW_UP]  # type: ignore[index]
    assert int(prospect_fields(slack)[0]["follow_up_at"].timestamp()) == later


def test_set_follow_up_on_someone_elses_prospect_is_refused(slack: SlackHarness) -> None:
    found = logcall(slack, "Jane Doe vm", user="U1", team="T1")
    click(slack, ids.LOGCALL_SET_FOLLOW_UP, found[ids.LOGCALL_SET_FOLLOW_UP], team="T2")
    assert views(slack, "views.open") == []
    assert "can't act on that prospect" in text_of(responses(slack)[0])
