"""Button clicks, one module per feature; every click re-checks who may act on what."""

from slack_bolt import App

from handlers.actions import scripts


def register(app: App) -> None:
    scripts.register(app)
