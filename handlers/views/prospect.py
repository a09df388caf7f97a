"""/prospect edit's form: every field is checked, then the clash with another prospect.

Bad input is answered in the modal itself, field by field, and nothing is written until
every field reads. The prospect id comes back in private_metadata and is re-checked
against the submitter, like any id that went through Slack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot import ids
from bot.blocks.payload_ids import read_row_id
from bot.blocks.prospect import build_saved_modal, duplicate_error, read_edit_form
from bot.rules.money import currency_mismatch
from bot.rules.prospects import Duplicate
from handlers.reps import interaction_rep_ids
from storage import prospects as prospect_store
from storage import queries

GONE = "This prospect is no longer one of yours (deleted, or another workspace's). Nothing saved."


def register(app: App) -> None:
    app.view(ids.PROSPECT_EDIT_VIEW)(handle_edit_submission)


def handle_edit_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    form = read_edit_form(view["state"])
    if form.fields is None:
        ack(response_action="errors", errors=form.errors)
        return
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = read_row_id(view.get("private_metadata"))
    if prospect_id is None:
        ack(response_action="errors", errors={"name": GONE})
        return
    with context["services"].session_factory.begin() as session:
        workspace = prospect_store.workspace_rules(session, team_id).currency
        if mismatch := currency_mismatch(form.deal_currency, workspace):
            ack(response_action="errors", errors={"value": mismatch})
            return
        saved = prospect_store.update_prospect(session, team_id, user_id, prospect_id, form.fields)
        if saved is None:
            ack(response_action="errors", errors={"name": GONE})
            return
        if isinstance(saved, Duplicate):
            ack(response_action="errors", errors=duplicate_error(saved))
            return
        prospect = queries.to_prospect(saved)
    ack(response_action="update", view=build_saved_modal(prospect))
