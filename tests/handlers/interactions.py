"""Playing Slack's interactive side in tests: clicks, form submissions, type-ahead and Home.

Every payload is shaped as Slack sends it and goes through the signed WSGI app; what the app
sent back to Slack is read from the stand-in and validated as Block Kit.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot import ids
from bot.blocks.logcall import DEAL_VALUE, FIELD, FOLLOW_UP, NOTES, OUTCOME, PHONE, PROSPECT
from bot.runtime.slack_standin import RESPONSE_URL
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.slack import Reply, SlackHarness


def count(slack: SlackHarness, model: type) -> int:
    with slack.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def who(user: str, team: str) -> dict[str, Any]:
    return {
        "team": {"id": team, "domain": "phonetag"},
        "user": {"id": user, "team_id": team, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0PHONETAG",
        "token": "unused",
    }


def click(
    slack: SlackHarness,
    action_id: str,
    value: str | None = None,
    *,
    selected: str | None = None,
    user: str = "U1",
    team: str = "T1",
) -> Reply:
    """A button (value) or a select (selected option value) in an ephemeral message."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b1", "action_ts": "1.0"}
    if selected is not None:
        action |= {"type": "static_select", "selected_option": {"value": selected}}
    else:
        action |= {"type": "button", "value": value}
    payload = {
        "type": "block_actions",
        **who(user, team),
        "trigger_id": "trigger-2",
        "response_url": slack.standin.response_url(f"{team}-{user}"),
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "channel": {"id": "D" + user, "name": "directmessage"},
        "actions": [action],
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def submit(
    slack: SlackHarness,
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    view_id: str = "V1",
    user: str = "U1",
    team: str = "T1",
) -> Reply:
    """Submit a modal with `values` as Slack's view.state.values (block_id -> action_id -> …)."""
    payload = {
        "type": "view_submission",
        **who(user, team),
        "trigger_id": "trigger-3",
        "view": {**view, "id": view_id, "team_id": team, "hash": "1", "state": {"values": values}},
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def logcall_values(
    *,
    prospect: str | None = None,
    outcome: str | None = None,
    notes: str | None = None,
    follow_up: int | None = None,
    deal_value: str | None = None,
    phone: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The /logcall form's state; `prospect` is an option value ("id:3" or "new:Jane")."""
    picked = {"value": prospect} if prospect else None
    chosen = {"value": outcome} if outcome else None
    return {
        PROSPECT: {ids.LOGCALL_PROSPECT: {"type": "external_select", "selected_option": picked}},
        OUTCOME: {FIELD: {"type": "static_select", "selected_option": chosen}},
        NOTES: {FIELD: {"type": "plain_text_input", "value": notes}},
        FOLLOW_UP: {FIELD: {"type": "datetimepicker", "selected_date_time": follow_up}},
        DEAL_VALUE: {FIELD: {"type": "plain_text_input", "value": deal_value}},
        PHONE: {FIELD: {"type": "plain_text_input", "value": phone}},
    }


def type_ahead(slack: SlackHarness, typed: str, *, user: str = "U1", team: str = "T1") -> Reply:
    payload = {
        "type": "block_suggestion",
        **who(user, team),
        "container": {"type": "view", "view_id": "V1"},
        "action_id": ids.LOGCALL_PROSPECT,
        "block_id": PROSPECT,
        "value": typed,
        "view": {"id": "V1", "type": "modal", "callback_id": ids.LOGCALL_VIEW},
    }
    reply = slack.interaction(payload)
    assert reply.status == 200
    return reply


def open_home(slack: SlackHarness, *, user: str = "U1", team: str = "T1") -> Reply:
    event = {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}
    reply = slack.event({**event, "event_ts": str(slack.clock.now.timestamp())}, team=team)
    assert reply.status == 200
    return reply


def views(slack: SlackHarness, method: str) -> list[dict[str, Any]]:
    """Every view sent with `method` (views.open, views.publish), each validated."""
    sent = [call.args["view"] for call in slack.standin.calls_to(method)]
    for view in sent:
        assert_valid_view(view)
    return sent


def responses(slack: SlackHarness) -> list[dict[str, Any]]:
    """What was posted to response_urls (Bolt's respond), each validated as a message."""
    sent = [call.args for call in slack.standin.calls_to(RESPONSE_URL)]
    for message in sent:
        assert_valid_message(message)
    return sent


def text_of(payload: dict[str, Any]) -> str:
    return str(payload.get("text", "")) + json.dumps(payload.get("blocks", []), ensure_ascii=False)


def week_numbers(home: dict[str, Any]) -> dict[str, str]:
    """The Home's "Your week so far" fields as name -> this week's number, without the change
    from last week ("4  ▲ 1 from 3" -> "4"); `week_changes` has the whole line."""
    return {name: shown.split(",")[0].split()[0] for name, shown in week_changes(home).items()}


def week_changes(home: dict[str, Any]) -> dict[str, str]:
    """The Home's "Your week so far" fields as name -> shown value."""
    blocks = home["blocks"]
    heading = next(
        i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == "Your week so far"
    )
    pairs = (field["text"].split("\n") for field in blocks[heading + 1]["fields"])
    return {name.strip("*"): value for name, value in pairs}
