"""A reminder DM as Block Kit: who to call now, the number to tap, and what to do about it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import button, context, format_moment, section
from bot.blocks.mrkdwn import escape, phone_link
from bot.rules.reminders import Reminder, ReminderKind


def build_reminder_message(reminder: Reminder, rep_tz: ZoneInfo) -> dict[str, object]:
    """`text` (the notification line) and `blocks` for chat.postMessage."""
    prospect = reminder.prospect
    who = f"*{escape(prospect.name)}*"
    if prospect.company:
        who += f" ({escape(prospect.company)})"
    number = prospect.phone or prospect.cell
    dial = f" · {phone_link(number)}" if number else ""
    if reminder.kind is ReminderKind.FOLLOW_UP and reminder.meeting:
        headline = f":handshake: Your meeting with {who} is now{dial}"
        detail = (
            f"Booked for {format_moment(reminder.at, rep_tz)}. Afterwards, log how it went"
            f" (/logcall {escape(prospect.name)} connected, or won or lost)."
        )
        fallback = f"Meeting with {prospect.name} now"
    elif reminder.kind is ReminderKind.FOLLOW_UP:
        headline = f":alarm_clock: Time to call {who}{dial}"
        detail = f"You set this follow-up for {format_moment(reminder.at, rep_tz)}."
        fallback = f"Follow-up: call {prospect.name} now"
    else:
        assert reminder.called_at is not None and reminder.due_at is not None
        headline = f":hourglass_flowing_sand: Return {who}'s call: 4 hours left{dial}"
        detail = (
            f"They called you {format_moment(reminder.called_at, rep_tz)}; "
            f"call back by {format_moment(reminder.due_at, rep_tz)}."
        )
        fallback = f"Return {prospect.name}'s call: 4 hours left"
    prospect_id = str(prospect.id)
    snoozed = f"{reminder.kind.value}:{reminder.target_id}"
    buttons = {
        "type": "actions",
        "elements": [
            button("Log call", ids.DIGEST_LOG_CALL, prospect_id, style="primary"),
            button("Draft voicemail", ids.DIGEST_DRAFT_VOICEMAIL, prospect_id),
            button("Snooze 1 h", ids.REMINDER_SNOOZE_HOUR, snoozed),
            button("Snooze till tomorrow", ids.REMINDER_SNOOZE_TOMORROW, snoozed),
        ],
    }
    return {
        "text": escape(fallback),
        "blocks": [section(headline), context(detail), buttons],
    }
