"""Block Kit builders: pure functions from domain values to Slack payload dicts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.mrkdwn import escape, phone_link
from bot.rules.cadence import CadenceState
from bot.rules.calls import OUTCOME_LABELS, CallWindow, Outcome, Prospect
from bot.rules.relationship import Relationship
from bot.rules.windows import describe_window, number_to_dial

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
UNKNOWN_ZONE = (
    "Their time zone is unknown (no phone, or a toll-free number): using yours. "
    "Add `tz:` to set it."
)


def section(text: str) -> dict[str, object]:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, object]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def button(
    label: str, action_id: str, value: str | None = None, style: str | None = None
) -> dict[str, object]:
    """Values are ids only: whatever a click sends back is looked up again, never trusted."""
    element: dict[str, object] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def ephemeral(blocks: list[dict[str, object]], fallback: str) -> dict[str, object]:
    return {"response_type": "ephemeral", "text": escape(fallback), "blocks": blocks}


def build_problem(problem: str, usage: str) -> dict[str, object]:
    """A reply that says exactly what was not understood, then how to say it."""
    return ephemeral(
        [section(f":warning: {escape(problem)}"), context(escape(usage))],
        fallback=problem,
    )


def build_warning(problem: str) -> dict[str, object]:
    """A refusal or failure for a button click, where there is no command usage to show."""
    return ephemeral([section(f":warning: {escape(problem)}")], fallback=problem)


DM_HELP = """\
:wave: I work from slash commands, in any conversation:
• `/logcall Jane Doe vm` logs a call; `/logcall` alone opens the form
• `/vmscript Jane Doe` drafts the voicemail to leave; add `email` or `screener` for those
• `/prospect list due` shows who to call; `/prospect add Jane Doe phone:…` adds one
• `/digest now` shows today's list; `/digest time 07:00` sets when it comes
To import prospects, drop a CSV export from your CRM right here."""


def build_usage(usage: str) -> dict[str, object]:
    return ephemeral([section(escape(usage))], fallback=usage)


def format_moment(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%a %b %-d, %-I:%M %p ") + (local.tzname() or "")


def build_logcall_reply(
    *,
    prospect: Prospect,
    outcome: Outcome,
    prospect_created: bool,
    notes: str,
    state: CadenceState,
    window: CallWindow | None,
    tz_known: bool,
    rep_tz: ZoneInfo,
    now: datetime,
    call_id: int,
    called_at: datetime | None = None,
    back_on: datetime | None = None,
    advice: Sequence[dict[str, object]] = (),
    extra_buttons: Sequence[dict[str, object]] = (),
    standing: Relationship | None = None,
    pacing: str | None = None,
    promised: bool = False,
) -> dict[str, object]:
    """The logged call, the next step in words, the next window and advice for the outcome,
    with buttons to take the call back, draft the next message, or pick a follow-up time.

    A closed or wrong-number prospect has no next window, no number to tap and nothing to
    draft (the next step says what to do instead): only Undo is offered. `pacing` warns what
    a voicemail over the day's allowance costs; `promised` says the follow-up is the time
    the voicemail drafted for it promised.
    """
    silent = state.closed or (standing is not None and standing.silent)
    who = f"*{escape(prospect.name)}*"
    if prospect.company:
        who += f" ({escape(prospect.company)})"
    headline = f":telephone_receiver: Logged *{OUTCOME_LABELS[outcome]}* with {who}"
    if called_at is not None and called_at != now:
        headline += f", {format_moment(called_at, rep_tz)}"
    headline += "."
    if prospect_created:
        headline += " New prospect added."
    blocks = [section(headline)]
    if notes:
        blocks.append(context(f"Notes (yours alone, never in a draft): {escape(notes)}"))
    blocks.append(section(f"*Next step:* {escape(state.rule)}"))
    if pacing:
        blocks.append(section(f":warning: {escape(pacing)}"))
    if back_on is not None:
        blocks.append(
            context(f"They're back {format_day(back_on, rep_tz)}: off your lists until then.")
        )
    if window is not None and not silent:
        window_text = f"*Best next window:* {describe_window(window, rep_tz, now)}"
        number = number_to_dial(prospect, window)
        if number:
            window_text += f" · {phone_link(number)}"
        if not tz_known:
            window_text += f"\n_{UNKNOWN_ZONE}_"
        blocks.append(section(window_text))
    if prospect.follow_up_at and back_on is None and not silent:
        when = format_moment(prospect.follow_up_at, rep_tz)
        if promised:
            blocks.append(context(f"Follow-up set for {when}, the time your voicemail promised."))
        else:
            blocks.append(context(f"Follow-up set for {when}."))
    blocks += advice
    if prospect.id is not None:
        buttons = [button("Undo", ids.LOGCALL_UNDO, str(call_id))]
        if not silent:
            buttons.append(button("Draft voicemail", ids.LOGCALL_DRAFT_VOICEMAIL, str(prospect.id)))
            buttons.append(button("Set follow-up", ids.LOGCALL_SET_FOLLOW_UP, str(prospect.id)))
        blocks.append({"type": "actions", "elements": [*buttons, *extra_buttons]})
    return ephemeral(blocks, fallback=f"Logged {OUTCOME_LABELS[outcome]} with {prospect.name}.")


def format_day(moment: datetime, tz: ZoneInfo) -> str:
    """'Wed Dec 2' on the rep's clock."""
    local = moment.astimezone(tz)
    return f"{local:%a %b} {local.day}"
