"""Every name Slack knows us by, in one place so the manifest and the listeners agree."""

LOGCALL = "/logcall"
VMSCRIPT = "/vmscript"
PROSPECT = "/prospect"
DIGEST = "/digest"
COMMANDS = (LOGCALL, VMSCRIPT, PROSPECT, DIGEST)

BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")
BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "users:read.email", "files:write")

INSTALL_PATH = "/slack/install"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

# Buttons on each digest entry; the value is the prospect id and nothing else, so a click
# can never carry data we would have to trust.
DIGEST_LOG_CALL = "digest_log_call"
DIGEST_DRAFT_VOICEMAIL = "digest_draft_voicemail"
DIGEST_DRAFT_EMAIL = "digest_draft_email"
DIGEST_SNOOZE = "digest_snooze"

# /vmscript: the wrong-number playbook's button and the two modals it and `profile` open.
VMSCRIPT_SAVE_CALLER = "vmscript_save_caller"
VMSCRIPT_SAVE_CALLER_VIEW = "vmscript_save_caller_view"
VMSCRIPT_PROFILE_VIEW = "vmscript_profile_view"
