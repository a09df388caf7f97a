"""/prospect buttons: Delete, pressed after Slack's own confirm dialog."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext

from bot import ids
from bot.blocks.prospect import build_deleted
from handlers.clicks import clicked_id, refuse
from handlers.reps import interaction_rep_ids
from storage import prospects as prospect_store


def register(app: App) -> None:
    app.action(ids.PROSPECT_DELETE)(handle_delete)


def handle_delete(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The button's value is only an id: the clicker must own that prospect in this workspace,
    whoever posted the button and whatever the payload claims."""
    ack()
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = clicked_id(body)
    if prospect_id is None:
        refuse(respond)
        return
    with context["services"].session_factory.begin() as session:
        deleted = prospect_store.delete_prospect(session, team_id, user_id, prospect_id)
    if deleted is None:
        # Also what an old prompt gets once the prospect is gone.
        refuse(respond)
        return
    respond(
        text=build_deleted(deleted.name, deleted.calls, deleted.drafts),
        response_type="ephemeral",
        replace_original=True,
    )
