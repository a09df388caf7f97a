"""The digest as Block Kit: pure functions from a DigestPlan to a message payload.

A Slack message holds at most 50 blocks. The plan is already in the order the rep should
work, so a long digest keeps its top entries and ends with how many more there are, rather
than being refused by Slack or cut mid-section.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import (
    MESSAGE_BLOCK_LIMIT,
    UNKNOWN_ZONE,
    button,
    context,
    ephemeral,
    format_moment,
    section,
)
from bot.blocks.insights import learning_line
from bot.blocks.mrkdwn import escape, phone_link
from bot.blocks.payload_ids import read_row_id
from bot.blocks.phone import clock_time
from bot.insights.digest_plan import DigestEntry, DigestPlan, Section
from bot.insights.weekly import DEFAULT_WEEKLY_TIME
from bot.rules.money import format_money
from bot.rules.schedule import DAY_NAMES, DigestSchedule, format_digest_time, next_digest_at
from bot.rules.windows import describe_window, number_to_dial

SECTION_TITLES: dict[Section, str] = {
    Section.RETURN_CALLS: ":telephone_receiver: *Return calls owed* – they called you",
    Section.BEFORE_830: ":sunrise: *Before 8:30 their time* – before the gatekeeper is in",
    Section.LUNCH_AND_EVENING: (
        ":sandwich: *At lunch (12:00–1:00) and after 5:30 their time* – "
        "a different time of day than the last try"
    ),
    Section.BEST_WINDOW: (
        ":dart: *At the hour your calls connect best* – learned from your team's dials, their time"
    ),
    Section.SWITCH_TO_EMAIL: ":email: *Switch to email* – calls have done their part",
    Section.PROMISES: ":hourglass: *Promises to chase* – “will call back”, 3+ business days ago",
}

SECTION_NOUNS: dict[Section, str] = {
    Section.RETURN_CALLS: "return calls owed",
    Section.BEFORE_830: "before 8:30",
    Section.LUNCH_AND_EVENING: "at lunch or after 5:30",
    Section.BEST_WINDOW: "at your best hour",
    Section.SWITCH_TO_EMAIL: "to email",
    Section.PROMISES: "promises to chase",
}

NOTHING_DUE = "Nothing due today: no return calls, follow-ups or promises to chase."

SHOWN_AT_MOST = MESSAGE_BLOCK_LIMIT // 2
"""No message shows more entries than this (each takes two blocks): the plan need work out
the cadence state, whose rule an entry quotes, of no more (`plan_digest`'s `states_for`)."""


class SnoozeFor(StrEnum):
    """The Snooze menu's choices; "date" asks for the day in a modal."""

    DAY = "day"
    WEEK = "week"
    DATE = "date"


SNOOZE_LABELS: dict[SnoozeFor, str] = {
    SnoozeFor.DAY: "Snooze 1 day",
    SnoozeFor.WEEK: "Snooze 1 week",
    SnoozeFor.DATE: "Snooze until a date…",
}


def build_digest_message(plan: DigestPlan) -> dict[str, object]:
    """`text` (the notification line) and `blocks` for chat.postMessage or an ephemeral reply."""
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": f"Who to call today, {_day(plan)}"},
    }
    if plan.is_empty:
        return {"text": f"{_day(plan)}: {NOTHING_DUE}", "blocks": [header, section(NOTHING_DUE)]}
    blocks = [header, *build_plan_blocks(plan, MESSAGE_BLOCK_LIMIT - 1)]
    return {"text": _summary(plan), "blocks": blocks}


def build_heads_up_message(plan: DigestPlan, digest_at: datetime) -> dict[str, object]:
    """The "window opens now" DM: the windows that open before the rep's digest at
    `digest_at` (`opening_before`), as the digest would list them, and when it comes."""
    when = clock_time(digest_at, plan.rep_tz)
    intro = (
        f":alarm_clock: These windows open before your digest at {when}: "
        "call them first. The digest still comes with the rest of the day."
    )
    header = {"type": "header", "text": {"type": "plain_text", "text": "Window opens now"}}
    blocks = [header, section(intro), *build_plan_blocks(plan, MESSAGE_BLOCK_LIMIT - 2)]
    names = ", ".join(escape(entry.prospect.name) for entry in plan.all_entries[:3])
    more = len(plan.all_entries) - 3
    return {
        "text": f"Before your {when} digest: {names}" + (f" and {more} more" if more > 0 else ""),
        "blocks": blocks,
    }


def build_plan_blocks(plan: DigestPlan, limit: int) -> list[dict[str, object]]:
    """The plan's sections and entries in at most `limit` blocks, for the digest message and
    the App Home alike; a long plan keeps its top entries and says how many more there are."""
    if plan.is_empty:
        return [section(NOTHING_DUE)]
    # Section titles ride with their first entry, so a cut never leaves a title alone.
    # Entries are built only as far as they fit: a rep may have hundreds due.
    entries = (
        ([section(SECTION_TITLES[kind])] if position == 0 else [])
        + _entry_blocks(entry, plan, _new_reason(in_section, position))
        for kind, in_section in plan.sections.items()
        for position, entry in enumerate(in_section)
    )
    total = sum(map(len, plan.sections.values()))
    blocks: list[dict[str, object]] = []
    shown = 0
    for entry_blocks in entries:
        # Every entry but the last must leave room for the "and N more" line.
        room = limit if shown + 1 == total else limit - 1
        if len(blocks) + len(entry_blocks) > room:
            break
        blocks += entry_blocks
        shown += 1
    if shown < total:
        blocks.append(
            context(
                f"…and {total - shown} more due today. "
                "As you log calls, `/digest now` shows the next ones."
            )
        )
    return blocks


def _day(plan: DigestPlan) -> str:
    return f"{plan.local_date:%a %b} {plan.local_date.day}"


def _summary(plan: DigestPlan) -> str:
    counts = [f"{len(entries)} {SECTION_NOUNS[kind]}" for kind, entries in plan.sections.items()]
    return f"Your calls for {_day(plan)}: " + ", ".join(counts) + "."


def _new_reason(in_section: tuple[DigestEntry, ...], position: int) -> str | None:
    """An entry's reason, unless the entry above said the same: prospects in one zone share
    their window and its reason, and the sentence once is enough."""
    reason = in_section[position].reason
    if position and in_section[position - 1].reason == reason:
        return None
    return reason


def _entry_blocks(
    entry: DigestEntry, plan: DigestPlan, reason: str | None
) -> list[dict[str, object]]:
    lines = [_who(entry, plan.currency)]
    rep_tz = plan.rep_tz
    if entry.section is Section.RETURN_CALLS:
        lines.append(_return_call_line(entry, rep_tz))
    elif entry.window is not None:
        lines.append(describe_window(entry.window, rep_tz, plan.now))
        if reason:
            lines.append(f"_{escape(reason)}_")
        if entry.last_tried and entry.last_tried != entry.window.label:
            lines.append(f"_Last tried {entry.last_tried} their time: try this time instead._")
    if entry.state is not None:
        lines.append(f"_{escape(entry.state.rule)}_")
    if not entry.tz_known:
        lines.append(f"_{UNKNOWN_ZONE}_")
    return [section("\n".join(lines)), _buttons(entry)]


def _who(entry: DigestEntry, currency: str) -> str:
    prospect = entry.prospect
    parts = [f"*{escape(prospect.name)}*"]
    if prospect.company:
        parts[0] += f" ({escape(prospect.company)})"
    if prospect.deal_value is not None:
        parts.append(format_money(prospect.deal_value, currency))
    number = number_to_dial(prospect, entry.window)
    if number:
        parts.append(phone_link(number))
    return " · ".join(parts)


def _return_call_line(entry: DigestEntry, rep_tz: ZoneInfo) -> str:
    assert entry.called_at is not None and entry.due_at is not None
    called = format_moment(entry.called_at, rep_tz)
    due = format_moment(entry.due_at, rep_tz)
    if entry.overdue:
        return f":warning: *Overdue*: called you {called}, was due back by {due}."
    return f"Called you {called}; call back by {due}."


def _buttons(entry: DigestEntry) -> dict[str, object]:
    """Log call, a draft, Snooze. Where the cadence says stop leaving voicemails, the draft
    offered is the email instead."""
    value = str(entry.prospect.id)
    if entry.section is Section.SWITCH_TO_EMAIL:
        draft = button("Draft email", ids.DIGEST_DRAFT_EMAIL, value)
    else:
        draft = button("Draft voicemail", ids.DIGEST_DRAFT_VOICEMAIL, value)
    return {
        "type": "actions",
        "elements": [
            button("Log call", ids.DIGEST_LOG_CALL, value, style="primary"),
            draft,
            _snooze_menu(value),
        ],
    }


def _snooze_menu(prospect_id: str) -> dict[str, object]:
    """Each option's value is the prospect id and a fixed choice, nothing else."""
    return {
        "type": "static_select",
        "action_id": ids.DIGEST_SNOOZE,
        "placeholder": {"type": "plain_text", "text": "Snooze"},
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{prospect_id}:{choice}"}
            for choice, label in SNOOZE_LABELS.items()
        ],
    }


def read_snooze_choice(value: str) -> tuple[int, SnoozeFor] | None:
    """(prospect id, choice) from a Snooze option's value; None for anything we did not send."""
    raw_id, _, choice = value.partition(":")
    prospect_id = read_row_id(raw_id)
    if prospect_id is None or choice not in {c.value for c in SnoozeFor}:
        return None
    return prospect_id, SnoozeFor(choice)


def build_digest_settings(
    schedule: DigestSchedule,
    *,
    paused: bool,
    when_empty: bool,
    now: datetime,
    saved: bool,
    weekly_time: str | None = DEFAULT_WEEKLY_TIME,
    learning: bool = True,
    reminders: bool = True,
) -> dict[str, object]:
    """The rep's digest settings in words, with when the next one comes."""
    prefix = ":white_check_mark: Saved. " if saved else ""
    if paused:
        text = f"{prefix}Your daily digest is *paused*. `/digest resume` restarts it."
    else:
        days = ", ".join(DAY_NAMES[day] for day in sorted(schedule.days))
        following = format_moment(next_digest_at(schedule, now), schedule.tz)
        text = (
            f"{prefix}Your digest comes at *{format_digest_time(schedule.at)}* your time "
            f"({schedule.tz.key}) on *{days}*. Next one: {following}."
        )
    empty = (
        "On days with nothing due you get an empty digest all the same."
        if when_empty
        else "On days with nothing due, no digest is sent."
    )
    weekly = (
        f"Your weekly picture comes on Fridays at *{weekly_time}* your time."
        if weekly_time
        else "No weekly picture: `/digest weekly 15:00` brings it back."
    )
    nudges = (
        "Reminders by DM at each follow-up time and 4 hours before a return call is due "
        "(`/digest reminders off` stops them)."
        if reminders
        else "No reminders: `/digest reminders on` brings them back."
    )
    return ephemeral(
        [
            section(text),
            context(f"{empty} {nudges}"),
            context(f"{weekly} {learning_line(learning)}"),
        ],
        fallback=text,
    )
