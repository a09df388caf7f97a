"""Slash commands, one module per command, each answering with ack() inside Slack's 3 s."""

from slack_bolt import App

from bot import ids
from handlers.commands import digest, logcall, prospect, vmscript


def register(app: App) -> None:
    app.command(ids.LOGCALL)(logcall.handle_logcall)
    app.command(ids.DIGEST)(digest.handle_digest)
    app.command(ids.VMSCRIPT)(vmscript.handle_vmscript)
    app.command(ids.PROSPECT)(prospect.handle_prospect)
