"""`/prospect erase`'s confirmation: the prospect ids come back in private_metadata and the
submitter is checked again for each (owner, or admin by Slack's say), as for any id that
went through Slack. All of them are erased, or none."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.payload_ids import read_row_id
from bot.blocks.privacy import (
    CONFIRM,
    CONFIRM_WORD,
    MAX_ERASED_AT_ONCE,
    build_erased_modal,
    confirmed,
)
from handlers.home import refresh_home
from handlers.privacy import SLACK_SILENT
from handlers.reps import acting_rep, interaction_rep_ids, workspace_admin
from storage import privacy

GONE = "They are gone already (erased or deleted, or another workspace's): nothing to erase."
NOT_ALLOWED = "Only the prospect's owner or a workspace admin can erase them: nothing erased."
NOT_CONFIRMED = f"Type {CONFIRM_WORD} to erase them, or Cancel to keep them."


def register(app: App) -> None:
    app.view(ids.PROSPECT_ERASE_VIEW)(handle_erase_submission)


def handle_erase_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Refusals stay in the form, under its one field; nothing is erased."""
    services = context["services"]
    if not confirmed(view.get("state") or {}):
        ack(response_action="errors", errors={CONFIRM: NOT_CONFIRMED})
        return
    team_id, user_id = interaction_rep_ids(body)
    prospect_ids = _ids(view.get("private_metadata"))
    with services.session_factory() as session:
        found = [privacy.erasure(session, team_id, prospect_id) for prospect_id in prospect_ids]
    if not found or None in found:
        ack(response_action="errors", errors={CONFIRM: GONE})
        return
    if any(erasure.owner_id != user_id for erasure in found if erasure is not None):
        admin = workspace_admin(client, user_id)
        if not admin:
            problem = SLACK_SILENT.format("erased") if admin is None else NOT_ALLOWED
            ack(response_action="errors", errors={CONFIRM: problem})
            return
    with services.session_factory.begin() as session:
        erased = [
            privacy.erase_prospect(
                session, team_id, prospect_id, services.suppression_key, services.clock()
            )
            for prospect_id in prospect_ids
        ]
    done = [erasure for erasure in erased if erasure is not None]
    privacy.wipe_free_space(services.session_factory.kw["bind"])
    ack(response_action="update", view=build_erased_modal(done))
    # The owners' App Homes list them by name: each is drawn again without them.
    for owner_id in sorted({erasure.owner_id for erasure in done}):
        owner = acting_rep(services.session_factory, client, team_id, owner_id)
        refresh_home(services, owner, services.clock())


def _ids(metadata: object) -> list[int]:
    """The ids the form was opened with; none at all when any part is not one we sent."""
    parts = metadata.split(",") if isinstance(metadata, str) else []
    read: list[int] = []
    for part in parts[: MAX_ERASED_AT_ONCE + 1]:
        row_id = read_row_id(part)
        if row_id is None:
            return []
        read.append(row_id)
    return read if len(read) <= MAX_ERASED_AT_ONCE else []
