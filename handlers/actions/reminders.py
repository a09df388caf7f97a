"""Reminder buttons: Snooze 1 h and Snooze till tomorrow (Log call and Draft are the digest's).

A follow-up's snooze moves the follow-up itself, so the digest and `/prospect show` agree
with the reminder; an owed call's snooze moves only its reminder, never the 24 hours owed.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.common import ephemeral, format_moment, section
from bot.blocks.mrkdwn import escape
from bot.blocks.payload_ids import read_kinded_row_id
from bot.rules.reminders import ReminderKind, SnoozeFor, snoozed_until
from bot.rules.schedule import DEFAULT_DAYS, parse_digest_days
from handlers.clicks import refuse, say
from handlers.reps import acting_rep, interaction_rep_ids
from storage import queries
from storage import reminders as reminder_store
from storage.logbook import set_follow_up
from storage.models import ProspectRow


def register(app: App) -> None:
    app.action(ids.REMINDER_SNOOZE_HOUR)(handle_snooze_hour)
    app.action(ids.REMINDER_SNOOZE_TOMORROW)(handle_snooze_tomorrow)


def handle_snooze_hour(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    _snooze(body, respond, client, context, SnoozeFor.HOUR)


def handle_snooze_tomorrow(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    _snooze(body, respond, client, context, SnoozeFor.TOMORROW)


def _snooze(
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    choice: SnoozeFor,
) -> None:
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    clicked = read_kinded_row_id(body["actions"][0].get("value"), set(ReminderKind))
    if clicked is None:
        refuse(respond)
        return
    kind, target_id = ReminderKind(clicked[0]), clicked[1]
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    now = services.clock()
    with services.session_factory.begin() as session:
        row = queries.rep_row(session, team_id, user_id)
        days = parse_digest_days(row.digest_days if row else DEFAULT_DAYS)
        until = snoozed_until(choice, now, rep.tz, days)
        prospect: ProspectRow | None
        if kind is ReminderKind.FOLLOW_UP:
            prospect = set_follow_up(session, team_id, user_id, target_id, until)
        else:
            prospect = reminder_store.snooze_return_call_reminder(
                session, team_id, user_id, target_id, until
            )
        name = prospect.name if prospect is not None else None
    if name is None:
        refuse(respond)
        return
    text = f":zzz: I'll remind you about *{escape(name)}* again {format_moment(until, rep.tz)}."
    say(respond, ephemeral([section(text)], fallback=text))
