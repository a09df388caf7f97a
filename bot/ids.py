"""Every name Slack knows us by, in one place so the manifest and the listeners agree."""

LOGCALL = "/logcall"
VMSCRIPT = "/vmscript"
PROSPECT = "/prospect"
DIGEST = "/digest"
COMMANDS = (LOGCALL, VMSCRIPT, PROSPECT, DIGEST)

BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "message.im", "user_change")
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "users:read.email",
    "files:write",
    "files:read",
    "im:history",
)

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

# /logcall: the form (with its prospect type-ahead) and the buttons on the confirmation.
# Button values are the call log id or the prospect id, re-checked against the clicker.
LOGCALL_VIEW = "logcall_view"
LOGCALL_PROSPECT = "logcall_prospect"
LOGCALL_UNDO = "logcall_undo"
LOGCALL_DRAFT_VOICEMAIL = "logcall_draft_voicemail"
LOGCALL_SET_FOLLOW_UP = "logcall_set_follow_up"
LOGCALL_ASKED_INTRO = "logcall_asked_intro"
"""The rep asked this prospect for an introduction: counted in the weekly picture."""
FOLLOW_UP_VIEW = "follow_up_view"

# The digest's Snooze menu: "until a date" opens this modal.
SNOOZE_UNTIL_VIEW = "snooze_until_view"

# App Home buttons.
HOME_LOG_CALL = "home_log_call"
HOME_EDIT_PROFILE = "home_edit_profile"
HOME_DIGEST_SETTINGS = "home_digest_settings"

# /prospect crm: the CRM connection form (workspace admins and owners).
CRM_CONNECT_VIEW = "crm_connect_view"
# ... and, once connected, the button and form that map our outcomes to the CRM's own.
CRM_OUTCOMES = "crm_outcomes"
CRM_OUTCOMES_VIEW = "crm_outcomes_view"

# /prospect: the edit form, and the Delete button (its value is the prospect id, re-checked
# against the clicker's own prospects in their workspace).
PROSPECT_EDIT_VIEW = "prospect_edit_view"
PROSPECT_DELETE = "prospect_delete"
PROSPECT_ERASE_VIEW = "prospect_erase_view"
"""`/prospect erase`'s confirmation; private_metadata is the prospect id, re-checked."""

# Buttons on a reminder DM (Log call and Draft are the digest's own); the value is the
# reminder's kind and id ("fu:12" for a prospect's follow-up, "owed:7" for an owed call).
REMINDER_SNOOZE_HOUR = "reminder_snooze_hour"
REMINDER_SNOOZE_TOMORROW = "reminder_snooze_tomorrow"

# A phone system's call in the rep's DM: one button per common outcome, its action_id
# PHONE_LOG + ":" + the outcome, and More… (both valued with the phone event's id, re-checked
# against the clicker); an unknown caller's "Save as prospect" (valued with the event id).
PHONE_LOG = "phone_log"
PHONE_MORE = "phone_more"
PHONE_SAVE_CALLER = "phone_save_caller"
