"""The weekly numbers as Block Kit: this week so far against last week at the same point.

Pure builders shared by the Friday DM, the App Home and the team version a manager asks for,
plus the replies of the `/digest` commands that post the team's week or set learning.
"""

from __future__ import annotations

from bot.blocks.common import context, ephemeral, section
from bot.insights.rates import LEARNING_LOOKBACK
from bot.insights.weekly import WeekReport

TEAM_TITLE = "Your team's week: dials and connect rate by hour"

ADMINS_ONLY = (
    "Only workspace admins and owners can change how call windows are ranked. Nothing was changed."
)
NOT_IN_CHANNEL = (
    "I'm not in that channel, so nothing was posted. Invite me there with "
    "`/invite @Phone Tag`, then try again."
)
CHANNEL_GONE = "I can't find that channel (archived, or private without me), so nothing was posted."
TEAM_CHANNEL_ERRORS = {
    "not_in_channel": NOT_IN_CHANNEL,
    "channel_not_found": CHANNEL_GONE,
    "is_archived": CHANNEL_GONE,
}
"""Slack's answers to a post in a channel we cannot use, in the words the rep needs."""

METRICS: tuple[tuple[str, str], ...] = (
    ("dials", "Dials"),
    ("connects", "Connects"),
    ("voicemails", "Voicemails left"),
    ("meetings", "Meetings set"),
    ("return_calls_in_time", "Return calls within 24 h"),
    ("introductions_asked", "Introductions asked for"),
    ("referrals_reached", "Referrals reached"),
)

CONNECT_RATE = "Connect rate"

SAME_POINT = "Last week is counted up to the same day and time, so the weeks compare fairly."


def build_week_blocks(
    report: WeekReport, *, with_connect_rate: bool = False
) -> list[dict[str, object]]:
    """Heading, one field per number with its change, and what "last week" means.

    The App Home adds the connect rate; the weekly DM leaves it to its heatmap, which is
    coloured by it.
    """
    numbers = [(label, _with_change(report, name)) for name, label in METRICS]
    if with_connect_rate:
        numbers.append((CONNECT_RATE, _rate_with_change(report)))
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{shown}"} for label, shown in numbers]
    return [
        {"type": "header", "text": {"type": "plain_text", "text": _heading(report)}},
        {"type": "section", "fields": fields},
        context(SAME_POINT),
    ]


def build_week_message(report: WeekReport) -> dict[str, object]:
    """`text` (the notification line) and `blocks` for chat.postMessage.

    The heatmap goes up separately with files_upload_v2, which takes no blocks.
    """
    return {"text": week_summary(report), "blocks": build_week_blocks(report)}


def week_summary(report: WeekReport) -> str:
    """One line for notifications and screen readers, e.g.
    "Your week so far: 42 dials (37 last week), 9 connects (7), ..."."""
    parts = [
        f"{getattr(report.this_week, name)} {label.lower()} ({getattr(report.last_week, name)}"
        + (" last week)" if i == 0 else ")")
        for i, (name, label) in enumerate(METRICS)
    ]
    return f"{_heading(report)}: {', '.join(parts)}"


def _heading(report: WeekReport) -> str:
    return "Your week so far" if report.user_id is not None else "Your team's week so far"


def _with_change(report: WeekReport, name: str) -> str:
    """'42  ▲ 5 from 37', '12  ▼ 3 from 15' or '9, same as last week'."""
    now: int = getattr(report.this_week, name)
    before: int = getattr(report.last_week, name)
    if now == before:
        return f"{now}, same as last week"
    arrow = "▲" if now > before else "▼"
    return f"{now}  {arrow} {abs(now - before)} from {before}"


def _rate_with_change(report: WeekReport) -> str:
    """'25%  ▲ 5 pts from 20%', '25%, same as last week', or '–' before the first dial."""
    now, before = _percent(report.this_week.connect_rate), _percent(report.last_week.connect_rate)
    if now is None:
        return "–" if before is None else f"–, {before}% last week"
    if before is None:
        return f"{now}%, no dials last week"
    if now == before:
        return f"{now}%, same as last week"
    arrow = "▲" if now > before else "▼"
    return f"{now}%  {arrow} {abs(now - before)} pts from {before}%"


def _percent(rate: float | None) -> int | None:
    """Whole percent, so the change is the difference of the numbers the rep sees."""
    return None if rate is None else round(rate * 100)


def build_team_posted(channel_id: str, *, picture_error: str | None) -> dict[str, object]:
    """The reply to `/digest team`; `channel_id` comes from Slack, so it is safe to link."""
    text = f":white_check_mark: Posted the team's week in <#{channel_id}>: totals only, no names."
    blocks = [section(text)]
    if picture_error:
        blocks.append(context(f"The heatmap could not be added ({picture_error})."))
    return ephemeral(blocks, fallback="Posted the team's week.")


def build_learning_settings(learning: bool, *, saved: bool) -> dict[str, object]:
    prefix = ":white_check_mark: Saved. " if saved else ""
    return ephemeral([section(prefix + learning_line(learning))], fallback=learning_line(learning))


def learning_line(learning: bool) -> str:
    """How this workspace's call windows are ranked, in a sentence."""
    if learning:
        return (
            "Call windows are ranked by your team's own dials of the last "
            f"{LEARNING_LOOKBACK.days} days, weighed against experience until there are "
            "enough of them."
        )
    return "Call windows are ranked by experience alone: learning from dials is off."
