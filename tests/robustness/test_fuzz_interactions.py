"""Fuzzing every modal submission, button, menu and type-ahead the app answers.

Payloads keep the shape Slack sends (state.values.<block_id>.<action_id>.<value>, button
values, private_metadata) with fuzzed contents: any text, ids of other reps and workspaces,
ids no column holds, digits only Unicode calls digits, epochs centuries away, values of the
wrong type, fields left out. Every one must be answered by the listener itself: 200, no
"something went wrong", no stack trace, Block Kit Slack accepts, field errors only on the
form's own blocks, and nothing written when the answer is a refusal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from bot import ids
from bot.blocks.digest import SnoozeFor
from bot.blocks.logcall import (
    DEAL_VALUE,
    FIELD,
    FOLLOW_UP,
    NOTES,
    OUTCOME,
    PHONE,
    PROSPECT,
    SNOOZE_UNTIL,
)
from bot.blocks.prospect import FORM_LABELS
from bot.blocks.scripts import CALLER_LABELS, PROFILE_LABELS
from bot.rules.calls import Outcome, ProspectStatus
from tests.blockkit import assert_valid_view
from tests.robustness.fuzzing import (
    ACTORS,
    FUZZ,
    IDS_LIKE,
    OWN_ROW,
    OWNER,
    SEEDED_ID,
    TEXT,
    FuzzWorkspace,
    who,
)
from tests.slack import MONDAY_MORNING

NOW = int(MONDAY_MORNING.timestamp())
YEAR = 365 * 24 * 3600

# Slack's datetimepicker sends epoch seconds; these are what a forged or broken one might.
EPOCHS = st.one_of(
    st.none(),
    st.integers(min_value=NOW - YEAR, max_value=NOW + YEAR),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63, 10**12, 253402300800, -62135596801]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    TEXT,
)
DATES = st.one_of(
    st.none(),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-11-24", "2026-02-30", "20261124"]),
    TEXT,
    st.integers(),
)
TEXT_VALUES = st.one_of(st.none(), TEXT, st.integers(), st.lists(st.integers(), max_size=2))

FORM_BLOCKS: dict[str, set[str]] = {
    ids.LOGCALL_VIEW: {PROSPECT, OUTCOME, NOTES, FOLLOW_UP, DEAL_VALUE, PHONE},
    ids.FOLLOW_UP_VIEW: {FOLLOW_UP},
    ids.SNOOZE_UNTIL_VIEW: {SNOOZE_UNTIL},
    ids.PROSPECT_EDIT_VIEW: set(FORM_LABELS),
    ids.VMSCRIPT_PROFILE_VIEW: set(PROFILE_LABELS),
    ids.VMSCRIPT_SAVE_CALLER_VIEW: set(CALLER_LABELS),
}


def maybe(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A block Slack sent, or one left out of the state altogether."""
    return st.one_of(st.just(None), element)


def text_input(value: st.SearchStrategy[Any] = TEXT_VALUES) -> st.SearchStrategy[Any]:
    return maybe(value.map(lambda v: {FIELD: {"type": "plain_text_input", "value": v}}))


def select(values: st.SearchStrategy[Any], action_id: str = FIELD) -> st.SearchStrategy[Any]:
    option = st.one_of(st.none(), st.just({}), values.map(lambda v: {"value": v}))
    return maybe(option.map(lambda o: {action_id: {"type": "static_select", "selected_option": o}}))


def state(blocks: dict[str, Any]) -> dict[str, Any]:
    return {block: element for block, element in blocks.items() if element is not None}


def submit(
    workspace: FuzzWorkspace,
    callback_id: str,
    values: dict[str, Any],
    *,
    private_metadata: Any = "",
    actor: tuple[str, str] = OWNER,
) -> None:
    """Submit the form; check the answer is one Slack takes and a refusal writes nothing."""
    user, team = actor
    payload = {
        "type": "view_submission",
        **who(user, team),
        "trigger_id": "trigger-3",
        "view": {
            "id": workspace.next_view_id(),
            "team_id": team,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "hash": "1",
            "state": {"values": values},
        },
    }
    seen = workspace.interact(payload)
    seen.assert_handled()
    assert not seen.touched_outside(team), seen.touched_outside(team)
    event(f"wrote: {seen.wrote}")
    if not seen.reply.body:
        return
    answer = json.loads(seen.reply.body)
    event(f"answer: {answer['response_action']}")
    assert answer["response_action"] in ("errors", "update"), answer
    if answer["response_action"] == "errors":
        assert set(answer["errors"]) <= FORM_BLOCKS[callback_id], answer
        assert all(isinstance(m, str) and m for m in answer["errors"].values()), answer
        assert not seen.wrote, answer
    else:
        assert_valid_view(answer["view"])


def actors() -> st.SearchStrategy[tuple[str, str]]:
    """Mostly the owner, so ids resolve and forms save; the others must always be refused."""
    return st.one_of(st.just(OWNER), st.sampled_from(ACTORS))


def form(
    data: st.DataObject, good: dict[str, Any], fuzzed: dict[str, st.SearchStrategy[Any]]
) -> dict[str, Any]:
    """A form that reads, with a drawn few of its blocks fuzzed or left out."""
    values = dict(good)
    for key in sorted(data.draw(st.sets(st.sampled_from(sorted(fuzzed))), label="fuzzed")):
        values[key] = data.draw(fuzzed[key], label=key)
    return state(values)


def picked(value: Any, action_id: str = FIELD) -> dict[str, Any]:
    return {action_id: {"type": "static_select", "selected_option": {"value": value}}}


def typed(value: Any) -> dict[str, Any]:
    return {FIELD: {"type": "plain_text_input", "value": value}}


def moment(epoch: Any) -> dict[str, Any]:
    return {FIELD: {"type": "datetimepicker", "selected_date_time": epoch}}


def day(iso: Any) -> dict[str, Any]:
    return {FIELD: {"type": "datepicker", "selected_date": iso}}


METADATA = st.one_of(st.just("«own_prospects#0»"), IDS_LIKE, st.none(), st.integers())


# --- modal submissions -------------------------------------------------------------------


@settings(FUZZ, max_examples=120)
@given(data=st.data())
@example(data=None)
def test_logcall_form(workspace: FuzzWorkspace, data: st.DataObject | None) -> None:
    good = {
        PROSPECT: picked("id:«own_prospects#1»", ids.LOGCALL_PROSPECT),
        OUTCOME: picked("vm"),
        FOLLOW_UP: moment(NOW + 86_400),
    }
    if data is None:  # a follow-up past year 9999 used to crash the listener
        submit(workspace, ids.LOGCALL_VIEW, {**good, FOLLOW_UP: moment(2**62)})
        return
    prospects = st.one_of(
        SEEDED_ID.map("id:".__add__),
        IDS_LIKE.map("id:".__add__),
        TEXT.map("new:".__add__),
        TEXT,
        st.integers(),
    )
    outcomes = st.one_of(st.sampled_from([o.value for o in Outcome]), TEXT, st.integers())
    money = st.sampled_from(["$12k", "$9999999999999m", "99999999999999999999", "-5", "١٢k"])
    phones = st.sampled_from(["+1 312 555 0100", "+999 1", "312-555-0100 x99"])
    values = form(
        data,
        good,
        {
            PROSPECT: select(prospects, ids.LOGCALL_PROSPECT),
            OUTCOME: select(outcomes),
            NOTES: text_input(st.one_of(TEXT_VALUES, st.text(min_size=1990, max_size=2100))),
            FOLLOW_UP: maybe(EPOCHS.map(moment)),
            DEAL_VALUE: text_input(st.one_of(TEXT_VALUES, money)),
            PHONE: text_input(st.one_of(TEXT_VALUES, phones)),
        },
    )
    submit(workspace, ids.LOGCALL_VIEW, values, actor=data.draw(actors()))
    workspace.reseed()


@settings(FUZZ, max_examples=60)
@given(data=st.data())
@example(data=None)
def test_follow_up_form(workspace: FuzzWorkspace, data: st.DataObject | None) -> None:
    own = "«own_prospects#0»"
    if data is None:  # Slack's picker stops at 2100; a forged epoch past year 9999 must not crash
        submit(workspace, ids.FOLLOW_UP_VIEW, {FOLLOW_UP: moment(10**12)}, private_metadata=own)
        return
    values = form(data, {FOLLOW_UP: moment(NOW + 3600)}, {FOLLOW_UP: maybe(EPOCHS.map(moment))})
    submit(
        workspace,
        ids.FOLLOW_UP_VIEW,
        values,
        private_metadata=data.draw(METADATA),
        actor=data.draw(actors()),
    )


@settings(FUZZ, max_examples=60)
@given(data=st.data())
@example(data=None)
def test_snooze_until_form(workspace: FuzzWorkspace, data: st.DataObject | None) -> None:
    if data is None:  # a good day, but an id with a Unicode digit in it
        submit(
            workspace,
            ids.SNOOZE_UNTIL_VIEW,
            {SNOOZE_UNTIL: day("2026-12-01")},
            private_metadata="1²",
        )
        return
    values = form(data, {SNOOZE_UNTIL: day("2026-12-01")}, {SNOOZE_UNTIL: maybe(DATES.map(day))})
    submit(
        workspace,
        ids.SNOOZE_UNTIL_VIEW,
        values,
        private_metadata=data.draw(METADATA),
        actor=data.draw(actors()),
    )


@settings(FUZZ, max_examples=80)
@given(data=st.data())
@example(data=None)
def test_prospect_edit_form(workspace: FuzzWorkspace, data: st.DataObject | None) -> None:
    good = {"name": typed("Bob Roe"), "email": typed("bob@acme.com"), "status": picked("active")}
    if data is None:  # a deal value past the BIGINT column used to crash the listener
        values = {**good, "value": typed("9" * 40)}
        submit(workspace, ids.PROSPECT_EDIT_VIEW, values, private_metadata="«own_prospects#2»")
        return
    samples = {
        "name": ["Jane Doe", "Raj Patel", "Teammate Lead"],
        "phone": ["+1 312 555 0100", "+1 646 555 0199", "+1 415 555 0133"],
        "cell": ["+1 312 555 0100"],
        "email": ["bob@acme.com", "JANE@x.io", "<mailto:a@b.co|a@b.co>"],
        "tz": ["CT", "Mars/X", "america/chicago"],
        "value": ["$12k", "99999999999999999999", "$9999999999999m", "$1,000,000,000,001"],
        "note": ["x" * 2001],
    }
    fuzzed = {
        key: text_input(st.one_of(TEXT_VALUES, st.sampled_from(samples.get(key, ["x" * 201]))))
        for key in FORM_LABELS
        if key != "status"
    }
    statuses = st.one_of(st.sampled_from([s.value for s in ProspectStatus]), TEXT, st.integers())
    fuzzed["status"] = select(statuses)
    submit(
        workspace,
        ids.PROSPECT_EDIT_VIEW,
        form(data, good, fuzzed),
        private_metadata=data.draw(st.one_of(st.just("«own_prospects#2»"), METADATA)),
        actor=data.draw(actors()),
    )
    workspace.reseed()


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_profile_form(workspace: FuzzWorkspace, data: st.DataObject) -> None:
    good = {"name": typed("Sam Lee"), "phone": typed("+1 312 555 0100")}
    fuzzed = {key: text_input() for key in PROFILE_LABELS}
    values = form(data, good, fuzzed)
    submit(workspace, ids.VMSCRIPT_PROFILE_VIEW, values, actor=data.draw(actors()))


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_save_caller_form(workspace: FuzzWorkspace, data: st.DataObject) -> None:
    known = {"name": ["Jane Doe", "jane  doe"], "phone": ["+1 312 555 0100", "312-555-0100"]}
    fuzzed = {
        key: text_input(st.one_of(TEXT_VALUES, st.sampled_from(known.get(key, ["x" * 2001]))))
        for key in CALLER_LABELS
    }
    name = data.draw(st.text(alphabet="abcdefgh ", min_size=1, max_size=20), label="name")
    values = form(data, {"name": typed(f"Caller {name}")}, fuzzed)
    submit(workspace, ids.VMSCRIPT_SAVE_CALLER_VIEW, values, actor=data.draw(actors()))


# --- buttons, menus, type-ahead ----------------------------------------------------------

ID_BUTTONS = [
    ids.DIGEST_LOG_CALL,
    ids.DIGEST_DRAFT_VOICEMAIL,
    ids.DIGEST_DRAFT_EMAIL,
    ids.LOGCALL_DRAFT_VOICEMAIL,
    ids.LOGCALL_SET_FOLLOW_UP,
    ids.LOGCALL_UNDO,
    ids.PROSPECT_DELETE,
]


def click(workspace: FuzzWorkspace, action: dict[str, Any], actor: tuple[str, str]) -> None:
    """Press as Slack sends it; a refusal below the message must come with no write."""
    user, team = actor
    payload = {
        "type": "block_actions",
        **who(user, team),
        "trigger_id": "trigger-2",
        "response_url": workspace.slack.standin.response_url(f"{team}-{user}"),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": "D" + user, "name": "directmessage"},
        "actions": [{"block_id": "b1", "action_ts": "1.0", **action}],
    }
    seen = workspace.interact(payload)
    seen.assert_handled()
    assert not seen.touched_outside(team), seen.touched_outside(team)
    event(f"refused: {seen.refused_in_a_message()}, wrote: {seen.wrote}")
    if seen.refused_in_a_message():
        assert not seen.wrote, seen.response_urls


@pytest.mark.parametrize("action_id", ID_BUTTONS)
@settings(FUZZ, max_examples=25)
@given(value=st.one_of(OWN_ROW, SEEDED_ID, IDS_LIKE, st.none(), st.integers()), actor=actors())
@example(value="«own_calls#0»", actor=OWNER)
@example(value="«own_prospects#0»", actor=OWNER)
@example(value="²", actor=OWNER)
@example(value="9" * 30, actor=OWNER)
def test_buttons_carrying_an_id(
    workspace: FuzzWorkspace, action_id: str, value: Any, actor: tuple[str, str]
) -> None:
    click(workspace, {"action_id": action_id, "type": "button", "value": value}, actor)
    workspace.reseed()


@settings(FUZZ, max_examples=60)
@given(
    option=st.one_of(
        st.none(),
        st.just({}),
        st.one_of(
            st.tuples(
                st.one_of(OWN_ROW, SEEDED_ID, IDS_LIKE),
                st.one_of(st.sampled_from([c.value for c in SnoozeFor]), TEXT),
            ).map(":".join),
            TEXT,
            st.integers(),
        ).map(lambda value: {"value": value}),
    ),
    actor=actors(),
)
@example(option={"value": "²:day"}, actor=OWNER)
@example(option={"value": "9" * 30 + ":week"}, actor=OWNER)
@example(option={"value": "9" * 30 + ":date"}, actor=OWNER)
def test_digest_snooze_menu(workspace: FuzzWorkspace, option: Any, actor: tuple[str, str]) -> None:
    menu = {"action_id": ids.DIGEST_SNOOZE, "type": "static_select", "selected_option": option}
    click(workspace, menu, actor)


@settings(FUZZ, max_examples=40)
@given(name=st.one_of(TEXT_VALUES, st.text(min_size=100, max_size=3000)), actor=actors())
def test_save_caller_button(workspace: FuzzWorkspace, name: Any, actor: tuple[str, str]) -> None:
    click(
        workspace, {"action_id": ids.VMSCRIPT_SAVE_CALLER, "type": "button", "value": name}, actor
    )


@pytest.mark.parametrize(
    "action_id", [ids.HOME_LOG_CALL, ids.HOME_EDIT_PROFILE, ids.HOME_DIGEST_SETTINGS]
)
@settings(FUZZ, max_examples=8)
@given(actor=actors(), value=TEXT_VALUES)
def test_home_buttons(
    workspace: FuzzWorkspace, action_id: str, actor: tuple[str, str], value: Any
) -> None:
    click(workspace, {"action_id": action_id, "type": "button", "value": value}, actor)


@settings(FUZZ, max_examples=60)
@given(typed=st.one_of(TEXT_VALUES, st.text(max_size=500)), actor=actors())
def test_prospect_type_ahead(workspace: FuzzWorkspace, typed: Any, actor: tuple[str, str]) -> None:
    """Read-only, whatever is typed, and every option fits Slack's limits."""
    user, team = actor
    payload = {
        "type": "block_suggestion",
        **who(user, team),
        "container": {"type": "view", "view_id": "V1"},
        "action_id": ids.LOGCALL_PROSPECT,
        "block_id": PROSPECT,
        "value": typed,
        "view": {"id": "V1", "type": "modal", "callback_id": ids.LOGCALL_VIEW},
    }
    seen = workspace.interact(payload)
    seen.assert_handled()
    assert not seen.wrote
    options = json.loads(seen.reply.body)["options"]
    assert len(options) <= 100
    for option in options:
        assert 0 < len(option["text"]["text"]) <= 75
        assert 0 < len(option["value"]) <= 150
