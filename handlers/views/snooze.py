"""The digest's "Snooze until a date" form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.common import format_moment
from bot.blocks.logcall import SNOOZE_UNTIL, FormErrors, read_snooze_form
from bot.blocks.mrkdwn import escape
from bot.blocks.payload_ids import read_row_id
from bot.blocks.scripts import build_saved_modal
from handlers.clicks import NOT_YOURS
from handlers.home import refresh_home
from handlers.reps import acting_rep, interaction_rep_ids
from storage import prospects as prospect_store


def register(app: App) -> None:
    app.view(ids.SNOOZE_UNTIL_VIEW)(handle_snooze_submission)


def handle_snooze_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The prospect id comes back in private_metadata and is checked against the submitter."""
    services = context["services"]
    now = services.clock()
    team_id, user_id = interaction_rep_ids(body)
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    try:
        until = read_snooze_form(view["state"], now, rep.tz)
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    prospect_id = read_row_id(view.get("private_metadata"))
    with services.session_factory.begin() as session:
        row = (
            prospect_store.snooze(session, team_id, user_id, prospect_id, until)
            if prospect_id is not None
            else None
        )
        name = row.name if row is not None else None
    if name is None:
        ack(response_action="errors", errors={SNOOZE_UNTIL: NOT_YOURS})
        return
    text = f":zzz: Snoozed *{escape(name)}* until {format_moment(until, rep.tz)}."
    ack(response_action="update", view=build_saved_modal("Snoozed", text))
    refresh_home(services, rep, now)
