"""Events API: uninstalls revoke stored tokens and start the grace period after which the
workspace's data is forgotten, a rep's revoked token is forgotten alone, a rep's new time
zone is followed and a CSV shared in the DM is imported. Slack's retries are dropped before
they get here (handlers.replays)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.blocks.common import DM_HELP
from handlers.file_import import import_shared_file
from handlers.reps import slack_name, slack_zone
from storage import privacy, queries


def register(app: App) -> None:
    app.event("app_uninstalled")(uninstalled_listener(app.installation_store))
    if app.installation_store is not None:
        # Bolt's own: a user's tokens_revoked deletes that user's installation alone.
        app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
    else:
        app.event("tokens_revoked")(acknowledge)
    app.event("user_change")(handle_user_change)
    app.event({"type": "message", "subtype": "file_share"})(handle_file_share)
    app.event("message")(handle_direct_message)


def uninstalled_listener(store: InstallationStore | None) -> Callable[..., None]:
    def handle_app_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
        """The tokens go now; the data after the grace period, unless the workspace installs
        the app again before then (the forget tick checks)."""
        team_id = str(body["team_id"])
        if store is not None:
            store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
        services = context["services"]
        with services.session_factory.begin() as session:
            privacy.mark_uninstalled(session, team_id, services.clock())

    return handle_app_uninstalled


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
