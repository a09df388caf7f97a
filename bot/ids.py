"""Every name Slack knows us by, in one place so the manifest and the listeners agree."""

LOGCALL = "/logcall"
VMSCRIPT = "/vmscript"
PROSPECT = "/prospect"
DIGEST = "/digest"
COMMANDS = (LOGCALL, VMSCRIPT, PROSPECT, DIGEST)

BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")
