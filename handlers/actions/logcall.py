"""Buttons on the /logcall confirmation: Undo, Set follow-up and "I asked for an introduction"
(drafts are in `drafts`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.coaching import introduction_ask
from bot.blocks.common import ephemeral, section
from bot.blocks.logcall import build_follow_up_modal
from bot.blocks.mrkdwn import escape
from bot.rules.calls import OUTCOME_LABELS, Outcome
from handlers.clicks import clicked_id, refuse, say
from handlers.home import refresh_home
from handlers.reps import acting_rep, interaction_rep_ids
from storage import queries
from storage import scripts as script_store
from storage.logbook import UndoRefused, undo_call


def register(app: App) -> None:
    app.action(ids.LOGCALL_UNDO)(handle_undo)
    app.action(ids.LOGCALL_SET_FOLLOW_UP)(handle_set_follow_up)
    app.action(ids.LOGCALL_ASKED_INTRO)(handle_asked_intro)


def handle_undo(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Replaces the confirmation, so the rep never sees a receipt for a call that is gone."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    call_id = clicked_id(body)
    if call_id is None:
        refuse(respond, "There's no call of yours to undo there. Nothing was changed.")
        return
    now = services.clock()
    try:
        with services.session_factory.begin() as session:
            undone = undo_call(session, team_id, user_id, call_id, now)
    except UndoRefused as problem:
        refuse(respond, problem.message)
        return
    who = f"*{escape(undone.prospect_name)}*"
    text = f":leftwards_arrow_with_hook: Undone: *{OUTCOME_LABELS[undone.outcome]}* with {who}."
    text += (
        " The prospect it added is removed."
        if undone.prospect_removed
        else " The prospect is back as it was."
    )
    say(respond, ephemeral([section(text)], fallback=text), replace=True)
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    refresh_home(services, rep, now)


def handle_set_follow_up(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = clicked_id(body)
    with context["services"].session_factory() as session:
        row = (
            queries.own_prospect(session, team_id, user_id, prospect_id)
            if prospect_id is not None
            else None
        )
        prospect = queries.to_prospect(row) if row is not None else None
    if prospect is None:
        refuse(respond)
        return
    client.views_open(trigger_id=body["trigger_id"], view=build_follow_up_modal(prospect))


def handle_asked_intro(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """Notes the ask (once per click) and says who to listen for."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = clicked_id(body)
    now = services.clock()
    with services.session_factory.begin() as session:
        row = (
            queries.own_prospect(session, team_id, user_id, prospect_id)
            if prospect_id is not None
            else None
        )
        if row is None:
            refuse(respond)
            return
        prospect = queries.to_prospect(row)
        latest = queries.call_history(session, team_id, row.id)[-1:]
        outcome = latest[0].outcome if latest else Outcome.CONNECTED
        ask = introduction_ask(outcome, prospect)
        script_store.record_introduction(session, team_id, user_id, row.id, ask, now)
    text = (
        f":handshake: Noted: you asked *{escape(prospect.name)}* for an introduction. When you"
        " add who they named, use `ref:` with their name, so your first words are theirs."
    )
    say(respond, ephemeral([section(text)], fallback="Introduction noted."), replace=False)
