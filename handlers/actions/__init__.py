"""Button clicks, one module per feature; every click re-checks who may act on what."""

from slack_bolt import App

from handlers.actions import digest, drafts, logcall, prospect, reminders, scripts


def register(app: App) -> None:
    scripts.register(app)
    prospect.register(app)
    logcall.register(app)
    digest.register(app)
    drafts.register(app)
    reminders.register(app)
