"""Slack surfaces. Each module adapts one surface to the domain and has a register(app)."""

from slack_bolt import App

from bot.handlers import actions, commands, events, home, views


def register_listeners(app: App) -> None:
    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    home.register(app)
