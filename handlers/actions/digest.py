"""Digest entry buttons: Log call (the form, prefilled) and the Snooze menu.

Drafts are in `drafts`. Every click loads the prospect again scoped to the clicker's
workspace and user; a replayed or forged id gets a refusal and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.common import ephemeral, format_moment, section
from bot.blocks.digest import SnoozeFor, read_snooze_choice
from bot.blocks.logcall import build_logcall_modal, build_snooze_modal, start_of_day
from bot.blocks.mrkdwn import escape
from handlers.clicks import clicked_id, refuse, say
from handlers.home import refresh_home
from handlers.reps import acting_rep, interaction_rep_ids
from storage import prospects as prospect_store
from storage import queries

SNOOZE_DAYS = {SnoozeFor.DAY: 1, SnoozeFor.WEEK: 7}


def register(app: App) -> None:
    app.action(ids.DIGEST_LOG_CALL)(handle_log_call)
    app.action(ids.DIGEST_SNOOZE)(handle_snooze)


def handle_log_call(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = clicked_id(body)
    with services.session_factory() as session:
        row = (
            queries.own_prospect(session, team_id, user_id, prospect_id)
            if prospect_id is not None
            else None
        )
        prospect = queries.to_prospect(row) if row is not None else None
    if prospect is None:
        refuse(respond)
        return
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    client.views_open(trigger_id=body["trigger_id"], view=build_logcall_modal(rep.tz, prospect))


def handle_snooze(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """1 day and 1 week snooze at once, to the start of that day on the rep's clock so the
    prospect is back in that morning's digest; "until a date" asks for the day."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    option = body["actions"][0].get("selected_option") or {}
    choice = read_snooze_choice(str(option.get("value") or ""))
    if choice is None:
        refuse(respond)
        return
    prospect_id, snooze_for = choice
    now = services.clock()
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    if snooze_for is SnoozeFor.DATE:
        with services.session_factory() as session:
            row = queries.own_prospect(session, team_id, user_id, prospect_id)
            prospect = queries.to_prospect(row) if row is not None else None
        if prospect is None:
            refuse(respond)
            return
        today = now.astimezone(rep.tz).date()
        client.views_open(trigger_id=body["trigger_id"], view=build_snooze_modal(prospect, today))
        return
    until = start_of_day(
        now.astimezone(rep.tz).date() + timedelta(days=SNOOZE_DAYS[snooze_for]), rep.tz
    )
    with services.session_factory.begin() as session:
        row = prospect_store.snooze(session, team_id, user_id, prospect_id, until)
        name = row.name if row is not None else None
    if name is None:
        refuse(respond)
        return
    text = f":zzz: Snoozed *{escape(name)}* until {format_moment(until, rep.tz)}."
    say(respond, ephemeral([section(text)], fallback=text))
    refresh_home(services, rep, now)
