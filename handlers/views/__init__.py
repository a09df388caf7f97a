"""Modal submissions, one module per feature; field errors go back into the modal."""

from slack_bolt import App

from handlers.views import crm, erase, logcall, prospect, scripts, snooze


def register(app: App) -> None:
    scripts.register(app)
    prospect.register(app)
    logcall.register(app)
    snooze.register(app)
    crm.register(app)
    erase.register(app)
