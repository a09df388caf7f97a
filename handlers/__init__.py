"""Slack surfaces. Each module adapts one surface to the domain and has a register(app)."""

from slack_bolt import App

from handlers import commands


def register_listeners(app: App) -> None:
    commands.register(app)
