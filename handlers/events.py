"""Events API: uninstalls revoke stored tokens, and Slack's retries are processed once."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, BoltResponse

from storage import queries


def register(app: App) -> None:
    app.middleware(process_each_event_once)
    if app.installation_store is not None:
        app.enable_token_revocation_listeners()
    else:
        app.event("app_uninstalled")(acknowledge)
        app.event("tokens_revoked")(acknowledge)


def process_each_event_once(
    body: dict[str, object], context: BoltContext, next: Callable[[], None]
) -> BoltResponse | None:
    """Slack resends an event it thinks we missed (X-Slack-Retry-Num); handle it only once."""
    event_id = body.get("event_id")
    if body.get("type") != "event_callback" or not isinstance(event_id, str):
        next()
        return None
    services = context["services"]
    with services.session_factory.begin() as session:
        first = queries.claim_event(
            session, str(body.get("team_id") or ""), event_id, services.clock()
        )
    if not first:
        return BoltResponse(status=200, body="")
    next()
    return None


def acknowledge(ack: Ack) -> None:
    """Single-workspace mode keeps its token in the environment: nothing to revoke here."""
    ack()
