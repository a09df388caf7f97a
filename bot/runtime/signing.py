"""Signing requests exactly as Slack does, for the console and for tests that play Slack."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(
    signing_secret: str,
    body: str,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Commands and interactions come form-encoded; events come as JSON (`event_body`)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature or "",
        "Content-Type": content_type,
    }


def slash_command_body(
    command: str, text: str, *, team_id: str, user_id: str, response_url: str, trigger_id: str
) -> str:
    return urlencode(
        {
            "token": "unused",
            "team_id": team_id,
            "team_domain": "phonetag",
            "channel_id": "D" + user_id,
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0PHONETAG",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_body(event: dict[str, object], *, team_id: str, event_id: str, event_time: int) -> str:
    """An Events API delivery as Slack posts it; sign it with `content_type="application/json"`."""
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": team_id,
            "api_app_id": "A0PHONETAG",
            "event_id": event_id,
            "event_time": event_time,
            "event": event,
        }
    )
