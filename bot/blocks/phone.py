"""What the rep sees when their phone system reports a call: the one-tap question, the
return call an inbound call starts, and the offer to save a caller we don't know."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import button, format_moment, section
from bot.blocks.mrkdwn import escape, phone_link
from bot.rules.calls import Outcome, Prospect

Message = dict[str, object]

SHORT_LABELS: dict[Outcome, str] = {
    Outcome.CONNECTED: "Connected",
    Outcome.VOICEMAIL: "Left voicemail",
    Outcome.GATEKEEPER: "Gatekeeper",
    Outcome.NO_ANSWER: "No answer",
    Outcome.MEETING: "Meeting set",
    Outcome.CALLBACK: "Will call back",
}
"""Button text is short; the confirmation says the outcome in full."""


def describe_duration(seconds: int) -> str:
    """ "2 min 14 s", "45 s", "1 h 3 min": how long, as a rep says it."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def clock_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%-I:%M %p")


def _who(prospect: Prospect) -> str:
    who = escape(prospect.name)
    return f"{who} ({escape(prospect.company)})" if prospect.company else who


def build_call_question(
    event_id: int,
    prospect: Prospect,
    direction: str,
    started_at: datetime,
    duration_seconds: int,
    outcomes: tuple[Outcome, ...],
    rep_tz: ZoneInfo,
) -> Message:
    """ "Call with Jane Doe (Acme) · 2 min 14 s · outbound · 10:42 AM — how did it go?" and a
    button per outcome: one tap logs it with the call's real time and duration."""
    line = (
        f"Call with {_who(prospect)} · {describe_duration(duration_seconds)} · {direction}"
        f" · {clock_time(started_at, rep_tz)} — how did it go?"
    )
    value = str(event_id)
    buttons = [
        button(SHORT_LABELS[outcome], f"{ids.PHONE_LOG}:{outcome.value}", value)
        for outcome in outcomes
    ]
    buttons.append(button("More…", ids.PHONE_MORE, value))
    return {
        "text": line,
        "blocks": [
            section(f":telephone_receiver: {line}"),
            {"type": "actions", "elements": buttons},
        ],
    }


def build_return_call_notice(
    prospect: Prospect, called_at: datetime, due_at: datetime, rep_tz: ZoneInfo
) -> Message:
    """ "Jane Doe called at 10:42 AM; call back by tomorrow 10:42 AM": the clock is running."""
    due_day = due_at.astimezone(rep_tz).date()
    tomorrow = called_at.astimezone(rep_tz).date() + timedelta(days=1)
    due = (
        f"tomorrow {clock_time(due_at, rep_tz)}"
        if due_day == tomorrow
        else format_moment(due_at, rep_tz)
    )
    line = f"{_who(prospect)} called at {clock_time(called_at, rep_tz)}; call back by {due}"
    return {"text": line, "blocks": [section(f":phone: *{line}*.")]}


def build_unknown_caller(
    event_id: int, number: str, called_at: datetime, rep_tz: ZoneInfo
) -> Message:
    at = clock_time(called_at, rep_tz)
    line = f"{phone_link(number)} called you at {at}: not one of your prospects."
    return {
        "text": f"{number} called you at {at}. Save as prospect?",
        "blocks": [
            section(f":phone: {line} Save as prospect?"),
            {
                "type": "actions",
                "elements": [
                    button("Save as prospect", ids.PHONE_SAVE_CALLER, str(event_id), "primary")
                ],
            },
        ],
    }


PHONE_CALL_METADATA = "phone:"
"""The call form's private_metadata when opened from a phone call's More…"""


def phone_call_metadata(event_id: int) -> str:
    return f"{PHONE_CALL_METADATA}{event_id}"


def read_phone_call_metadata(text: object) -> str | None:
    """The event id's text from a form's private_metadata, still to be checked as an id."""
    if isinstance(text, str) and text.startswith(PHONE_CALL_METADATA):
        return text.removeprefix(PHONE_CALL_METADATA)
    return None
