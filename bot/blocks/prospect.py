"""Block Kit for /prospect: confirmations, the record, lists, the delete prompt and the form.

Pure functions returning dicts. Every piece of rep or prospect text is escaped: a name like
"<!channel>" must never ping anyone. Buttons carry the prospect id and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import (
    MESSAGE_BLOCK_LIMIT,
    UNKNOWN_ZONE,
    context,
    ephemeral,
    format_moment,
    section,
)
from bot.blocks.modals import FIELD, info_modal, input_block, modal, text_input
from bot.blocks.mrkdwn import escape, phone_link
from bot.grammar.logcall import (
    MAX_EMAIL,
    MAX_NAME,
    MAX_NOTES,
    GrammarError,
    email_address,
    money_currency,
)
from bot.grammar.prospect import MAX_TEXT, deal_value_option, tz_option
from bot.grammar.stored_text import hidden_in_name, unstorable_text
from bot.rules.cadence import CadenceState
from bot.rules.calls import OUTCOME_LABELS, CallLog, CallWindow, Prospect, ProspectStatus
from bot.rules.money import DEFAULT_CURRENCY, format_money
from bot.rules.phones import PhoneError, normalize_phone, speakable_phone
from bot.rules.prospects import (
    DraftUse,
    Duplicate,
    ListedProspect,
    ListFilter,
    ProspectFields,
    describe_duplicate,
)
from bot.rules.relationship import Relationship, Stage
from bot.rules.windows import describe_window

T = TypeVar("T")

FORM_LABELS: dict[str, str] = {
    "name": "Name",
    "company": "Company",
    "phone": "Phone",
    "cell": "Cell",
    "email": "Email",
    "tz": "Time zone",
    "value": "Deal value",
    "ref": "Referred by",
    "hook": "Talking point (drafts may say it)",
    "note": "Private note (never in a draft)",
    "status": "Status",
}
STATUS_LABELS: dict[ProspectStatus, str] = {
    ProspectStatus.ACTIVE: "Active",
    ProspectStatus.WON: "Won",
    ProspectStatus.LOST: "Lost",
    ProspectStatus.NOT_INTERESTED: "Not interested",
    ProspectStatus.WRONG_NUMBER: "Wrong number",
    ProspectStatus.DNC: "Do not call",
}
RECENT_CALLS = 10
"""Calls `show` lists: enough to see the pattern of tries, short enough to read."""
_MAX_PHONE = 40
_MAX_ZONE = 64
_MAX_VALUE = 20
_FORM_LIMITS: dict[str, int] = {
    "name": MAX_NAME,
    "company": MAX_TEXT,
    "phone": _MAX_PHONE,
    "cell": _MAX_PHONE,
    "email": MAX_EMAIL,
    "tz": _MAX_ZONE,
    "value": _MAX_VALUE,
    "ref": MAX_TEXT,
    "hook": MAX_NOTES,
    "note": MAX_NOTES,
}
LIST_TITLES: dict[ListFilter, str] = {
    ListFilter.DUE: "Due today",
    ListFilter.OWED: "Return calls you owe",
    ListFilter.LAID_OFF: "Laid off after the voicemail cap",
    ListFilter.ACTIVE: "Active prospects",
    ListFilter.WON: "Won",
    ListFilter.LOST: "Lost",
    ListFilter.NOT_INTERESTED: "Not interested",
    ListFilter.WRONG: "Wrong numbers",
    ListFilter.DNC: "Do not call",
    ListFilter.ALL: "All prospects",
}
_EMPTY_LISTS: dict[ListFilter, str] = {
    ListFilter.DUE: "Nobody is due right now.",
    ListFilter.OWED: "You owe no return calls.",
    ListFilter.LAID_OFF: "Nobody is laid off.",
}


@dataclass(frozen=True)
class EditReading:
    """The form's fields when every one reads, else the errors to show per block."""

    fields: ProspectFields | None
    errors: dict[str, str]
    deal_currency: str | None = None
    """The currency the value was marked in, if any: checked against the workspace's."""


def build_added_reply(
    *,
    prospect: Prospect,
    tz_inferred: bool,
    state: CadenceState,
    window: CallWindow,
    rep_tz: ZoneInfo,
    now: datetime,
    currency: str = DEFAULT_CURRENCY,
) -> dict[str, object]:
    blocks = [
        section(f":bust_in_silhouette: Added {_who(prospect)}."),
        _details(prospect, currency=currency),
    ]
    blocks.append(section(f"*Next step:* {escape(state.rule)}"))
    window_text = f"*Best first window:* {describe_window(window, rep_tz, now)}"
    if prospect.tz is None:
        window_text += f"\n_{UNKNOWN_ZONE}_"
    elif tz_inferred:
        window_text += f"\n_Time zone {prospect.tz} guessed from the phone number._"
    blocks.append(section(window_text))
    return ephemeral(blocks, fallback=f"Added {prospect.name}.")


def build_duplicate_reply(duplicate: Duplicate) -> dict[str, object]:
    """Nothing was written; point at the prospect they already have."""
    name = escape(duplicate.existing.name)
    return ephemeral(
        [
            section(f":warning: {escape(describe_duplicate(duplicate))} Nothing was added."),
            context(
                f"See them with /prospect show {name}, or change them with /prospect edit {name}."
            ),
        ],
        fallback=describe_duplicate(duplicate),
    )


def build_show_reply(
    *,
    prospect: Prospect,
    tz_inferred: bool,
    history: Sequence[CallLog],
    drafts: Sequence[DraftUse],
    state: CadenceState,
    window: CallWindow | None,
    rep_tz: ZoneInfo,
    now: datetime,
    crm_link: str | None = None,
    currency: str = DEFAULT_CURRENCY,
    standing: Relationship | None = None,
) -> dict[str, object]:
    """The record: details, last calls newest first, drafts used, and what to do next.
    `crm_link` is mrkdwn linking to the prospect's record in the CRM, when there is one.
    A number logged wrong is shown, but not as a number to tap."""
    wrong = standing is not None and standing.stage is Stage.WRONG_NUMBER
    blocks = [
        section(f":bust_in_silhouette: {_who(prospect)}"),
        _details(prospect, rep_tz, currency, wrong_number=wrong),
    ]
    if crm_link:
        blocks.append(context(crm_link))
    step = f"*Next step:* {escape(state.rule)}"
    if window is not None:
        step += f"\n*Best next window:* {describe_window(window, rep_tz, now)}"
        if prospect.tz is None:
            step += f"\n_{UNKNOWN_ZONE}_"
        elif tz_inferred:
            step += f"\n_Time zone {prospect.tz} guessed from the phone number._"
    blocks.append(section(step))
    recent = sorted(history, key=lambda log: log.at, reverse=True)[:RECENT_CALLS]
    if recent:
        lines = [_call_line(log, rep_tz) for log in recent]
        more = len(history) - len(recent)
        title = (
            f"*Calls* ({len(history)}, latest first{f'; {more} older not shown' if more else ''})"
        )
        blocks.append(section(title + "\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Calls:* none logged yet."))
    if drafts:
        lines = [
            f"• {format_moment(draft.at, rep_tz)}: {escape(draft.kind)}"
            + (f" (fact: {escape(draft.fact)})" if draft.fact else "")
            for draft in drafts
        ]
        blocks.append(section("*Drafts used*\n" + "\n".join(lines)))
    return ephemeral(blocks, fallback=f"{prospect.name}: {state.rule}")


def build_list_reply(
    which: ListFilter,
    lines: Sequence[ListedProspect],
    total: int,
    rep_tz: ZoneInfo,
    now: datetime,
    currency: str = DEFAULT_CURRENCY,
) -> dict[str, object]:
    """One block per prospect, so a long list keeps its first entries within 50 blocks and
    says how many more there are."""
    title = LIST_TITLES[which]
    if not lines:
        empty = _EMPTY_LISTS.get(
            which, "No prospects here yet. Add one with /prospect add Jane Doe."
        )
        return ephemeral([section(f"*{title}*: {empty}")], fallback=f"{title}: none")
    blocks = [section(f"*{title}* ({total})")]
    room = MESSAGE_BLOCK_LIMIT - 2  # the title and the "more" line
    shown = [_list_block(line, rep_tz, now, currency) for line in lines[:room]]
    blocks += shown
    if total > len(shown):
        blocks.append(
            context(
                f"…and {total - len(shown)} more. Narrow it with /prospect list due, owed or"
                " laidoff, or see one with /prospect show <name>."
            )
        )
    return ephemeral(blocks, fallback=f"{title}: {total}")


def build_snoozed_reply(prospect: Prospect, rep_tz: ZoneInfo) -> dict[str, object]:
    if prospect.snoozed_until is None:
        text = f":alarm_clock: {_who(prospect)} is awake: back on your lists and digest."
    else:
        until = format_moment(prospect.snoozed_until, rep_tz)
        text = f":zzz: Snoozed {_who(prospect)} until {until}: off your lists and digest till then."
    return ephemeral([section(text)], fallback=f"Snoozed {prospect.name}.")


def build_delete_prompt(
    prospect_id: int, prospect: Prospect, calls: int, drafts: int
) -> dict[str, object]:
    """Deleting loses the call history the cadence relies on: ask, then ask again."""
    losses = f"{_plural(calls, 'logged call')} and {_plural(drafts, 'draft')}"
    text = f":wastebasket: Delete {_who(prospect)} with their {losses}? This can't be undone."
    button = {
        "type": "button",
        "action_id": ids.PROSPECT_DELETE,
        "text": {"type": "plain_text", "text": "Delete"},
        "style": "danger",
        "value": str(prospect_id),
        "confirm": {
            "title": {"type": "plain_text", "text": "Delete this prospect?"},
            "text": {
                "type": "mrkdwn",
                "text": f"{escape(prospect.name)} and their {losses} will be gone for good.",
            },
            "confirm": {"type": "plain_text", "text": "Delete"},
            "deny": {"type": "plain_text", "text": "Keep"},
            "style": "danger",
        },
    }
    return ephemeral(
        [section(text), {"type": "actions", "elements": [button]}],
        fallback=f"Delete {prospect.name}?",
    )


def build_deleted(name: str, calls: int, drafts: int) -> str:
    return (
        f":wastebasket: Deleted *{escape(name)}* with their"
        f" {_plural(calls, 'logged call')} and {_plural(drafts, 'draft')}."
    )


def build_edit_modal(
    prospect_id: int, prospect: Prospect, currency: str = DEFAULT_CURRENCY
) -> dict[str, object]:
    """Prefilled with everything stored; the id rides in private_metadata and is re-checked
    against the submitter on save."""
    current = {
        "name": prospect.name,
        "company": prospect.company,
        "phone": prospect.phone,
        "cell": prospect.cell,
        "email": prospect.email,
        "tz": prospect.tz,
        "value": (
            format_money(prospect.deal_value, currency) if prospect.deal_value is not None else None
        ),
        "ref": prospect.referrer,
        "hook": prospect.hook,
        "note": prospect.connection_note,
    }
    hints = {
        "hook": "e.g. their Q1 rollout: said as “You mentioned your Q1 rollout — …”.",
        "note": "Yours alone: gatekeeper names, what they said. Drafts never use it.",
        "tz": "Like America/Chicago, or ET, CT, MT, PT. Empty: guessed from the phone.",
        "value": "Like $12k, 12,000 or $1.5m: bigger deals earn more attempts.",
    }
    blocks: list[dict[str, object]] = [
        _text_input(key, current[key], optional=key != "name", hint=hints.get(key))
        for key in _FORM_LIMITS
    ]
    blocks.append(_status_select(prospect.status))
    return modal(ids.PROSPECT_EDIT_VIEW, "Edit prospect", "Save", blocks, str(prospect_id))


def build_saved_modal(prospect: Prospect) -> dict[str, object]:
    """Shown in place of the submitted form, so the rep sees it worked without a new message."""
    return info_modal("Prospect saved", [section(f"Saved {_who(prospect)}."), _details(prospect)])


def read_edit_form(state: Mapping[str, Any]) -> EditReading:
    """Validate every field at once, so the rep fixes them all in one go."""
    blocks = state.get("values") or {}
    errors: dict[str, str] = {}
    raw: dict[str, str | None] = {}
    for key, limit in _FORM_LIMITS.items():
        text = str((blocks.get(key) or {}).get(FIELD, {}).get("value") or "")
        unstorable = unstorable_text(text, "This") or (
            hidden_in_name(text, "This") if key == "name" else None
        )
        # The note keeps its line breaks; one-line fields lose stray spacing.
        text = text.strip() if key == "note" else " ".join(text.split())
        if unstorable:
            errors[key] = unstorable
        elif len(text) > limit:
            errors[key] = f"Keep it to {limit} characters."
        raw[key] = text or None
    if not raw["name"]:
        errors.setdefault("name", "Give their name: it is how you find them again.")
    phones: dict[str, str | None] = {}
    for key in ("phone", "cell"):
        phones[key] = None
        if raw[key]:
            try:
                phones[key] = normalize_phone(raw[key])  # type: ignore[arg-type]
            except PhoneError as problem:
                errors.setdefault(
                    key, f"{problem.message}. Write it with area code, e.g. +1 312 555 0100."
                )
    email = _checked(raw["email"], email_address, "email", errors)
    tz = _checked(raw["tz"], tz_option, "tz", errors)
    value = _checked(raw["value"], deal_value_option, "value", errors)
    currency = _checked(raw["value"], lambda typed, _: money_currency(typed), "value", errors)
    selected = (blocks.get("status") or {}).get(FIELD, {}).get("selected_option") or {}
    try:
        status = ProspectStatus(selected.get("value", ProspectStatus.ACTIVE.value))
    except ValueError:
        errors["status"] = "Pick one of the statuses listed."
        status = ProspectStatus.ACTIVE
    if errors:
        return EditReading(None, errors)
    fields = ProspectFields(
        name=str(raw["name"]),
        company=raw["company"],
        phone=phones["phone"],
        cell=phones["cell"],
        email=email,
        tz=tz,
        deal_value=value,
        referrer=raw["ref"],
        connection_note=raw["note"],
        hook=raw["hook"],
        status=status,
    )
    return EditReading(fields, {}, currency)


def duplicate_error(duplicate: Duplicate) -> dict[str, str]:
    """The form field that clashes, with who it clashes with."""
    return {duplicate.field: describe_duplicate(duplicate)}


def _checked(
    text: str | None, read: Callable[[str, str], T], key: str, errors: dict[str, str]
) -> T | None:
    """`read` is a grammar reader taking (value, what the rep typed)."""
    if not text:
        return None
    try:
        return read(text, text)
    except GrammarError as problem:
        errors.setdefault(key, problem.message)
        return None


def _who(prospect: Prospect) -> str:
    who = f"*{escape(prospect.name)}*"
    if prospect.company:
        who += f" ({escape(prospect.company)})"
    return who


def _details(
    prospect: Prospect,
    rep_tz: ZoneInfo | None = None,
    currency: str = DEFAULT_CURRENCY,
    *,
    wrong_number: bool = False,
) -> dict[str, object]:
    """Contact details and deal, one fact per line; a snooze or follow-up when there is one."""
    lines = []
    if prospect.phone and wrong_number:
        lines.append(f"Phone: {speakable_phone(prospect.phone)} (wrong number)")
    elif prospect.phone:
        lines.append(f"Phone: {phone_link(prospect.phone)}")
    if prospect.cell:
        lines.append(f"Cell: {phone_link(prospect.cell)}")
    if prospect.email:
        lines.append(f"Email: {escape(prospect.email)}")
    lines.append(f"Time zone: {prospect.tz or 'unknown'}")
    if prospect.deal_value is not None:
        lines.append(f"Deal value: {format_money(prospect.deal_value, currency)}")
    if prospect.referrer:
        lines.append(f"Referred by: {escape(prospect.referrer)} (a referral: say their name first)")
    if prospect.hook:
        lines.append(f"Talking point: {escape(prospect.hook)}")
    if prospect.connection_note:
        lines.append(f"Private note: {escape(prospect.connection_note)}")
    lines.append(f"Status: {STATUS_LABELS[prospect.status]}")
    if rep_tz is not None and prospect.snoozed_until is not None:
        lines.append(f"Snoozed until {format_moment(prospect.snoozed_until, rep_tz)}")
    if rep_tz is not None and prospect.follow_up_at is not None:
        lines.append(f"Follow-up {format_moment(prospect.follow_up_at, rep_tz)}")
    return context("\n".join(lines))


def _call_line(log: CallLog, rep_tz: ZoneInfo) -> str:
    line = f"• {format_moment(log.at, rep_tz)}: {OUTCOME_LABELS[log.outcome]}"
    if log.notes:
        notes = log.notes if len(log.notes) <= 120 else log.notes[:119] + "…"
        line += f" – {escape(notes)}"
    return line


def _list_block(
    line: ListedProspect, rep_tz: ZoneInfo, now: datetime, currency: str
) -> dict[str, object]:
    prospect = line.prospect
    parts = [_who(prospect)]
    if prospect.deal_value is not None:
        parts.append(format_money(prospect.deal_value, currency))
    number = prospect.phone or prospect.cell
    if number:
        parts.append(phone_link(number))
    elif prospect.email:
        parts.append(escape(prospect.email))
    if prospect.status is not ProspectStatus.ACTIVE:
        parts.append(STATUS_LABELS[prospect.status])
    text = " · ".join(parts)
    if line.window is not None:
        text += f"\n{describe_window(line.window, rep_tz, now)}"
    if line.return_due is not None:
        text += f"\nReturn their call by {format_moment(line.return_due, rep_tz)}"
    if line.laid_off_until is not None:
        text += f"\nNo calls until {format_moment(line.laid_off_until, rep_tz)}"
    elif line.rule:
        text += f"\n_{escape(line.rule)}_"
    if prospect.snoozed_until is not None and prospect.snoozed_until > now:
        text += f"\n:zzz: Snoozed until {format_moment(prospect.snoozed_until, rep_tz)}"
    return section(text)


def _text_input(
    key: str, initial: str | None, *, optional: bool, hint: str | None
) -> dict[str, object]:
    element = text_input(_FORM_LIMITS[key], initial=initial, multiline=key == "note")
    return input_block(key, FORM_LABELS[key], element, optional=optional, hint=hint)


def _status_select(status: ProspectStatus) -> dict[str, object]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value.value}
        for value, label in STATUS_LABELS.items()
    ]
    return {
        "type": "input",
        "block_id": "status",
        "label": {"type": "plain_text", "text": FORM_LABELS["status"]},
        "element": {
            "type": "static_select",
            "action_id": FIELD,
            "options": options,
            "initial_option": options[list(STATUS_LABELS).index(status)],
        },
    }


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
