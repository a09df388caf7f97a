"""Slash commands, one module per command, each answering with ack() inside Slack's 3 s."""

from slack_bolt import App

from bot import ids
from handlers.commands import logcall


def register(app: App) -> None:
    app.command(ids.LOGCALL)(logcall.handle_logcall)
