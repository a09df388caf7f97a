"""`/prospect erase`'s confirmation: the prospect id comes back in private_metadata and the
submitter is checked again (owner, or admin by Slack's say), as for any id through Slack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.payload_ids import read_row_id
from bot.blocks.privacy import build_erase_refused, build_erased_modal
from handlers.crm import is_workspace_admin
from handlers.home import refresh_home
from handlers.privacy import SLACK_SILENT
from handlers.reps import acting_rep, interaction_rep_ids
from storage import privacy

GONE = "That prospect is gone already (erased or deleted, or another workspace's)."
NOT_ALLOWED = "Only the prospect's owner or a workspace admin can erase them. Nothing was erased."


def register(app: App) -> None:
    app.view(ids.PROSPECT_ERASE_VIEW)(handle_erase_submission)


def handle_erase_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = read_row_id(view.get("private_metadata"))
    with services.session_factory() as session:
        found = privacy.erasure(session, team_id, prospect_id) if prospect_id else None
    if found is None or prospect_id is None:
        ack(response_action="update", view=build_erase_refused(GONE))
        return
    if found.owner_id != user_id:
        admin = is_workspace_admin(client, user_id)
        if not admin:
            problem = SLACK_SILENT.format("erased") if admin is None else NOT_ALLOWED
            ack(response_action="update", view=build_erase_refused(problem))
            return
    with services.session_factory.begin() as session:
        erased = privacy.erase_prospect(
            session, team_id, prospect_id, services.suppression_key, services.clock()
        )
    if erased is None:
        ack(response_action="update", view=build_erase_refused(GONE))
        return
    privacy.wipe_free_space(services.session_factory.kw["bind"])
    ack(response_action="update", view=build_erased_modal(erased))
    # The owner's App Home lists them by name: it is drawn again without them.
    owner = acting_rep(services.session_factory, client, team_id, erased.owner_id)
    refresh_home(services, client, owner, services.clock())
