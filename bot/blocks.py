"""Block Kit builders: pure functions from domain values to Slack payload dicts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cadence import CadenceState
from bot.calls import OUTCOME_LABELS, CallWindow, Outcome, Prospect
from bot.mrkdwn import escape
from bot.windows import describe_window

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


def ephemeral(blocks: list[dict[str, object]], fallback: str) -> dict[str, object]:
    return {"response_type": "ephemeral", "text": escape(fallback), "blocks": blocks}


def build_problem(problem: str, usage: str) -> dict[str, object]:
    """A reply that says exactly what was not understood, then how to say it."""
    return ephemeral(
        [section(f":warning: {escape(problem)}"), context(escape(usage))],
        fallback=problem,
    )


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
    window: CallWindow,
    tz_known: bool,
    rep_tz: ZoneInfo,
    now: datetime,
) -> dict[str, object]:
    who = f"*{escape(prospect.name)}*"
    if prospect.company:
        who += f" ({escape(prospect.company)})"
    headline = f":telephone_receiver: Logged *{OUTCOME_LABELS[outcome]}* with {who}."
    if prospect_created:
        headline += " New prospect added."
    blocks = [section(headline)]
    if notes:
        blocks.append(context(f"Notes: {escape(notes)}"))
    blocks.append(section(f"*Cadence:* {escape(state.rule)}"))
    window_text = f"*Best next window:* {describe_window(window, rep_tz, now)}"
    if not tz_known:
        window_text += f"\n_{UNKNOWN_ZONE}_"
    blocks.append(section(window_text))
    if prospect.follow_up_at:
        blocks.append(context(f"Follow-up set for {format_moment(prospect.follow_up_at, rep_tz)}."))
    return ephemeral(blocks, fallback=f"Logged {OUTCOME_LABELS[outcome]} with {prospect.name}.")
