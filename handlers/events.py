"""Events API: uninstalls revoke stored tokens, a rep's new time zone is followed and a CSV
shared in the DM is imported. Slack's retries are dropped before they get here
(handlers.replays)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.common import DM_HELP
from handlers.file_import import import_shared_file
from handlers.reps import slack_name, slack_zone
from storage import queries


def register(app: App) -> None:
    if app.installation_store is not None:
        app.enable_token_revocation_listeners()
    else:
        app.event("app_uninstalled")(acknowledge)
        app.event("tokens_revoked")(acknowledge)
    app.event("user_change")(handle_user_change)
    app.event({"type": "message", "subtype": "file_share"})(handle_file_share)
    app.event("message")(handle_direct_message)


def handle_user_change(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """A rep who moves to another zone gets their digest, windows and dates on the new clock
    from then on; people who never used Phone Tag are not stored."""
    user = event.get("user") or {}
    if not user.get("id"):
        return
    services = context["services"]
    with services.session_factory.begin() as session:
        queries.follow_slack_profile(
            session, str(body["team_id"]), str(user["id"]), slack_zone(user), slack_name(user)
        )


def handle_file_share(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Files a rep shares in their DM with us; channels and other bots' files are not ours."""
    if not _from_a_person_in_our_dm(event):
        return
    services = context["services"]
    team_id = str(body["team_id"])
    for shared in event.get("files") or []:
        services.imports(
            team_id,
            partial(
                import_shared_file,
                services,
                client,
                team_id,
                str(event["user"]),
                str(event["channel"]),
                str(shared["id"]),
            ),
        )


def handle_direct_message(event: dict[str, Any], client: WebClient) -> None:
    """Someone typing to the bot in its DM gets the short help; edits, deletions and other
    bots' messages (subtypes, bot ids) get nothing, so two bots never talk in a loop."""
    if event.get("subtype") or not _from_a_person_in_our_dm(event):
        return
    client.chat_postMessage(channel=str(event["channel"]), text=DM_HELP)


def _from_a_person_in_our_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" and not event.get("bot_id") and bool(event.get("user"))


def acknowledge(ack: Ack) -> None:
    """Single-workspace mode keeps its token in the environment: nothing to revoke here."""
    ack()
