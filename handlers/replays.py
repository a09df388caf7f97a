"""Events, commands and clicks are processed once, however often they arrive.

Slack resends an event it thinks we missed (X-Slack-Retry-Num), under the same event_id.
Slack signs each request with its body and the second it was sent, and refuses a signature
after five minutes; within those five minutes anyone holding a copy can post it again. A
replayed `/logcall … vm` would log a second voicemail and lay the prospect off for a month,
so the first delivery claims the request in `processed_events` and later ones are
acknowledged and dropped. One middleware does both: each costs every request a turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot import ids
from storage import queries

logger = logging.getLogger(__name__)

_ACTED_ON = frozenset({"block_actions", "shortcut", "message_action"})
"""Interactions that act. Type-ahead and closed forms change nothing, and a form's submission
is claimed by its view id where logging it twice would matter (the /logcall form)."""
CLAIMED_BY_HANDLER = "replay_key"
"""Where a listener that claims its own replay key finds it in Bolt's context."""
_KEY_LENGTH = 64
"""processed_events.event_id's width."""
_SIGNATURE_DIGITS = 40
"""160 bits of the signature: no two of Slack's requests share them by chance."""


def replay_key(body: Mapping[str, object], request: BoltRequest) -> str | None:
    """What makes this delivery the same as an earlier one, or None when nothing need be.

    An event, its event_id. Otherwise, over HTTP, the signature: only Slack can make one,
    and a replay must copy it. Socket Mode has no signature, but a trigger_id is unique per
    command or interaction.
    """
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return event_id if isinstance(event_id, str) and event_id else None
    if not body.get("command") and body.get("type") not in _ACTED_ON:
        return None
    signature = request.headers.get("x-slack-signature", [""])[0]
    if signature.startswith("v0="):
        return "sig:" + signature.removeprefix("v0=")[:_SIGNATURE_DIGITS]
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        return ("trigger:" + trigger_id)[:_KEY_LENGTH]
    return None


def process_each_request_once(
    body: dict[str, object],
    request: BoltRequest,
    context: BoltContext,
    next: Callable[[], None],
) -> BoltResponse | None:
    key = replay_key(body, request)
    if key is None:
        next()
        return None
    if body.get("command") == ids.LOGCALL and str(body.get("text") or "").strip():
        # The call's own transaction claims it (see log_line), sparing a commit per call.
        context[CLAIMED_BY_HANDLER] = key
        next()
        return None
    services = context["services"]
    team_id = context.team_id or str(body.get("team_id") or "")
    with services.session_factory.begin() as session:
        first = queries.claim_event(session, team_id, key, services.clock())
    if not first:
        logger.info("dropped a replayed %s", body.get("command") or body.get("type"))
        return BoltResponse(status=200, body="")
    next()
    return None
