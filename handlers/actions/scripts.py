"""/vmscript buttons: the wrong-number playbook's "Save caller as prospect"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids
from bot.blocks.scripts import build_save_caller_modal


def register(app: App) -> None:
    app.action(ids.VMSCRIPT_SAVE_CALLER)(handle_save_caller)


def handle_save_caller(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Open the form for the caller who dialled the rep by mistake, name prefilled if given."""
    ack()
    name = body["actions"][0].get("value")
    client.views_open(trigger_id=body["trigger_id"], view=build_save_caller_modal(name))
