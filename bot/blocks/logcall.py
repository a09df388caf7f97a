"""Block Kit for the /logcall form and the small forms its buttons and the digest open.

Pure functions returning dicts, and the readers that turn a submitted form into either a
validated call or per-field errors for `response_action: errors`. Input ids live here
because only these builders and readers use them; Slack-wide ids are in `ids`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import format_moment, section
from bot.blocks.modals import FIELD, input_block, modal, option, text_input
from bot.blocks.mrkdwn import escape
from bot.blocks.payload_ids import read_row_id
from bot.grammar.logcall import (
    MAX_NAME,
    MAX_NOTES,
    DealValueError,
    GrammarError,
    money_currency,
    parse_deal_value,
)
from bot.grammar.stored_text import hidden_in_name, unstorable_text
from bot.rules.calls import OUTCOME_LABELS, Outcome, Prospect
from bot.rules.phones import PhoneError, normalize_phone

PROSPECT = "prospect"
OUTCOME = "outcome"
NOTES = "notes"
FOLLOW_UP = "follow_up"
DEAL_VALUE = "deal_value"
PHONE = "phone"
SNOOZE_UNTIL = "until"

TYPE_AHEAD_LIMIT = 20
"""Options per keystroke: enough to find anyone by a few letters, well under Slack's 100."""

_OPTION_TEXT = 75  # Slack's limit on an option's text
_EXISTING = "id:"
_NEW = "new:"
_MAX_VALUE_TEXT = 40
_MAX_PHONE = 40
_PICK_A_TIME = "Pick a date and time."


class FormErrors(ValueError):
    """Per-block messages for the modal; nothing is written while any remain."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class LoggedInForm:
    """A submitted /logcall form that reads: an existing prospect by id, or a new name."""

    prospect_id: int | None
    new_name: str | None
    outcome: Outcome
    notes: str
    follow_up_at: datetime | None
    deal_value: int | None
    phone: str | None
    deal_currency: str | None = None
    """The currency the value was marked in, if any: checked against the workspace's."""


def build_logcall_modal(
    rep_tz: ZoneInfo, prospect: Prospect | None = None, private_metadata: str = ""
) -> dict[str, object]:
    """The /logcall form; `prospect` is preselected when opened from a digest entry.
    `private_metadata` names the phone system's call it was opened for, if any."""
    picker: dict[str, object] = {
        "type": "external_select",
        "action_id": ids.LOGCALL_PROSPECT,
        "placeholder": {"type": "plain_text", "text": "Type a name"},
        "min_query_length": 1,
    }
    if prospect is not None and prospect.id is not None:
        picker["initial_option"] = option(prospect.name, f"{_EXISTING}{prospect.id}")
    outcome = {
        "type": "static_select",
        "action_id": FIELD,
        "placeholder": {"type": "plain_text", "text": "How did it go?"},
        "options": [option(label, value.value) for value, label in OUTCOME_LABELS.items()],
    }
    follow_up = {"type": "datetimepicker", "action_id": FIELD}
    blocks = [
        input_block(
            PROSPECT, "Prospect", picker, hint="One of yours, or type a new name to add them."
        ),
        input_block(OUTCOME, "Outcome", outcome),
        input_block(NOTES, "Notes", text_input(MAX_NOTES, multiline=True), optional=True),
        input_block(
            FOLLOW_UP,
            "Follow-up",
            follow_up,
            optional=True,
            hint=f"On your clock ({rep_tz.key}). For a meeting, its time: no calls till then.",
        ),
        input_block(
            DEAL_VALUE,
            "Deal value",
            text_input(_MAX_VALUE_TEXT, placeholder="$12k"),
            optional=True,
        ),
        input_block(
            PHONE,
            "Phone",
            text_input(_MAX_PHONE, placeholder="+1 312 555 0100"),
            optional=True,
            hint="For a new prospect; their time zone comes from it.",
        ),
    ]
    return modal(ids.LOGCALL_VIEW, "Log a call", "Log", blocks, private_metadata)


def build_prospect_options(prospects: Sequence[Prospect], typed: str) -> list[dict[str, object]]:
    """The rep's matches, then "New prospect" unless the typed name is already one of them."""
    options = [option(p.name, f"{_EXISTING}{p.id}") for p in prospects]
    name = " ".join(typed.split())[:MAX_NAME]
    if name and name.casefold() not in {p.name.casefold() for p in prospects}:
        options.append(option(f"➕ New prospect: {name}", f"{_NEW}{name}"))
    return options


def read_logcall_form(state: Mapping[str, Any], now: datetime) -> LoggedInForm:
    """Validate every field at once, so the rep sees all problems together. Raises FormErrors."""
    values = state.get("values") or {}
    errors: dict[str, str] = {}
    picked = _selected(values, PROSPECT, ids.LOGCALL_PROSPECT)
    existing = picked.removeprefix(_EXISTING) if picked.startswith(_EXISTING) else None
    prospect_id = read_row_id(existing)
    typed_name = picked.removeprefix(_NEW) if picked.startswith(_NEW) else ""
    new_name = " ".join(typed_name.split())
    if unstorable := unstorable_text(typed_name, "The name") or hidden_in_name(typed_name):
        errors[PROSPECT] = unstorable
    elif len(new_name) > MAX_NAME:
        errors[PROSPECT] = f"Keep the name to {MAX_NAME} characters."
    elif prospect_id is None and not new_name:
        errors[PROSPECT] = "Pick one of your prospects, or type a new name and pick “New prospect”."
    outcome = _selected(values, OUTCOME, FIELD)
    if outcome not in {o.value for o in Outcome}:
        errors[OUTCOME] = "Pick how the call went."
    notes = str(_element(values, NOTES, FIELD).get("value") or "").strip()
    if unstorable := unstorable_text(notes, "The notes"):
        errors[NOTES] = unstorable
    elif len(notes) > MAX_NOTES:
        errors[NOTES] = f"Keep the notes to {MAX_NOTES} characters."
    follow_up_at, unreadable = _moment(_element(values, FOLLOW_UP, FIELD).get("selected_date_time"))
    if unreadable:
        errors[FOLLOW_UP] = unreadable
    elif follow_up_at is not None and follow_up_at < now:
        errors[FOLLOW_UP] = "That time has passed: pick a follow-up in the future."
    deal_value = deal_currency = None
    raw_value = str(_element(values, DEAL_VALUE, FIELD).get("value") or "").strip()
    if raw_value:
        try:
            deal_value = parse_deal_value(raw_value)
            deal_currency = money_currency(raw_value)
        except DealValueError as problem:
            errors[DEAL_VALUE] = f"“{raw_value}” {problem.problem}. Write it like $12k or 12,000."
        except GrammarError as problem:
            errors[DEAL_VALUE] = problem.message
    phone = None
    raw_phone = str(_element(values, PHONE, FIELD).get("value") or "").strip()
    if raw_phone:
        try:
            phone = normalize_phone(raw_phone)
        except PhoneError as problem:
            errors[PHONE] = f"{problem.message}. Write it with area code, e.g. +1 312 555 0100."
    if errors:
        raise FormErrors(errors)
    return LoggedInForm(
        prospect_id=prospect_id,
        new_name=new_name or None,
        outcome=Outcome(outcome),
        notes=notes,
        follow_up_at=follow_up_at,
        deal_value=deal_value,
        phone=phone,
        deal_currency=deal_currency,
    )


def build_follow_up_modal(prospect: Prospect) -> dict[str, object]:
    """The prospect id rides in private_metadata and is checked again on submission."""
    picker: dict[str, object] = {"type": "datetimepicker", "action_id": FIELD}
    if prospect.follow_up_at is not None:
        picker["initial_date_time"] = int(prospect.follow_up_at.timestamp())
    blocks = [
        section(f"When will you call *{escape(prospect.name)}* next?"),
        input_block(FOLLOW_UP, "Follow-up", picker),
    ]
    return modal(ids.FOLLOW_UP_VIEW, "Set follow-up", "Save", blocks, str(prospect.id))


def read_follow_up_form(state: Mapping[str, Any], now: datetime) -> datetime:
    """Raises FormErrors for a missing or past time."""
    values = state.get("values") or {}
    when, unreadable = _moment(_element(values, FOLLOW_UP, FIELD).get("selected_date_time"))
    if when is None:
        raise FormErrors({FOLLOW_UP: unreadable or _PICK_A_TIME})
    if when < now:
        raise FormErrors({FOLLOW_UP: "That time has passed: pick a follow-up in the future."})
    return when


def build_snooze_modal(prospect: Prospect, today: date) -> dict[str, object]:
    picker = {
        "type": "datepicker",
        "action_id": FIELD,
        "initial_date": (today + timedelta(days=1)).isoformat(),
    }
    blocks = [
        section(f"Keep *{escape(prospect.name)}* off your lists until:"),
        input_block(
            SNOOZE_UNTIL, "Back on", picker, hint="They are back in that morning's digest."
        ),
    ]
    return modal(ids.SNOOZE_UNTIL_VIEW, "Snooze", "Snooze", blocks, str(prospect.id))


def read_snooze_form(state: Mapping[str, Any], now: datetime, rep_tz: ZoneInfo) -> datetime:
    """The start of the chosen day on the rep's clock. Raises FormErrors for today or earlier."""
    values = state.get("values") or {}
    raw = _element(values, SNOOZE_UNTIL, FIELD).get("selected_date")
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        raise FormErrors({SNOOZE_UNTIL: "Pick the day they should be back."}) from None
    if day <= now.astimezone(rep_tz).date():
        raise FormErrors({SNOOZE_UNTIL: "Pick a day after today."})
    return start_of_day(day, rep_tz)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight, so a snoozed prospect is back in that day's morning digest."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def describe_follow_up(prospect: Prospect, rep_tz: ZoneInfo) -> str:
    assert prospect.follow_up_at is not None
    when = format_moment(prospect.follow_up_at, rep_tz)
    return f":calendar: Follow-up with *{escape(prospect.name)}* set for {when}."


def _moment(epoch: object) -> tuple[datetime | None, str | None]:
    """Slack's datetimepicker sends epoch seconds: an instant, whatever the rep's zone.

    (instant, None); (None, None) when nothing was picked; (None, problem) for a value no
    calendar shows (not whole seconds, or years away from any date we can write down).
    """
    if epoch is None:
        return None, None
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        return None, _PICK_A_TIME
    try:
        return datetime.fromtimestamp(epoch, UTC), None
    except (OverflowError, OSError, ValueError):
        return None, _PICK_A_TIME


def _element(values: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    return (values.get(block_id) or {}).get(action_id) or {}


def _selected(values: Mapping[str, Any], block_id: str, action_id: str) -> str:
    option = _element(values, block_id, action_id).get("selected_option") or {}
    return str(option.get("value") or "")
