"""Slack surfaces. Each module adapts one surface to the domain and has a register(app)."""

from slack_bolt import App

from handlers import actions, commands, events, home, phone, views
from handlers.replays import process_each_request_once


def register_listeners(app: App) -> None:
    app.middleware(process_each_request_once)
    # Bolt tries listeners in the order they were added, each match costing a turn: the
    # commands, /logcall first, are what reps wait on most.
    commands.register(app)
    events.register(app)
    actions.register(app)
    phone.register(app)
    views.register(app)
    home.register(app)
