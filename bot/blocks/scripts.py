"""Block Kit for /vmscript: draft replies, the profile and facts, and the two modals.

Pure functions returning dicts. Modal input ids live here because only these builders and
the submission readers below use them; Slack-wide ids (callbacks, buttons) are in `ids`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import ids
from bot.blocks.common import context, ephemeral, section
from bot.blocks.modals import FIELD, info_modal, input_block, modal, text_input
from bot.blocks.mrkdwn import escape, phone_link
from bot.drafts.lint import Finding, count_words, estimate_seconds
from bot.drafts.scripts import Draft, DraftKind
from bot.grammar.logcall import MAX_EMAIL, MAX_NAME, MAX_NOTES, GrammarError, email_address
from bot.grammar.stored_text import hidden_in_name, unstorable_text
from bot.grammar.vmscript import MAX_BENEFIT_CHARS, MAX_PROFILE_TEXT, desk_hours_option
from bot.rules.calls import DeskHours, Prospect, Rep
from bot.rules.phones import PhoneError, normalize_phone

PROFILE_LABELS: dict[str, str] = {
    "name": "Your name",
    "company": "Company",
    "phone": "Desk phone",
    "cell": "Cell (for after-hours return calls)",
    "email": "Email",
    "benefit": "One-line benefit",
    "desk_hours": "Desk hours for return calls",
    "partners": "Partner firms you refer callers to",
    "working_day": "Your calling day",
}
CALLER_LABELS: dict[str, str] = {
    "name": "Caller's name",
    "company": "Company",
    "phone": "Phone",
    "notes": "What they need",
}
_MAX_PHONE = 40
_PROFILE_LIMITS = dict.fromkeys(PROFILE_LABELS, MAX_PROFILE_TEXT) | {
    "phone": _MAX_PHONE,
    "cell": _MAX_PHONE,
    "email": MAX_EMAIL,
    "benefit": MAX_BENEFIT_CHARS,
    "desk_hours": 20,
    "working_day": 20,
}
_CALLER_LIMITS = {"name": MAX_NAME, "company": MAX_PROFILE_TEXT, "phone": _MAX_PHONE}
_CALLER_LIMITS["notes"] = MAX_NOTES
_KIND_TITLES: dict[DraftKind, str] = {
    DraftKind.VOICEMAIL: ":studio_microphone: *Voicemail*",
    DraftKind.SCREENER: ":bust_in_silhouette: *For the screener who answers*",
    DraftKind.EMAIL: ":email: *Email*",
    DraftKind.WRONG: ":telephone_receiver: *Wrong-number playbook*",
    DraftKind.MISDIAL: ":telephone_receiver: *You dialled a stranger: turn it into a pitch*",
}
_KIND_NAMES: dict[DraftKind, str] = {
    DraftKind.VOICEMAIL: "Voicemail",
    DraftKind.SCREENER: "Screener script",
    DraftKind.EMAIL: "Email",
    DraftKind.WRONG: "Wrong-number playbook",
    DraftKind.MISDIAL: "Misdial playbook",
}
_ADD_FACT = '/vmscript facts add "…"'


@dataclass(frozen=True)
class FormReading:
    """A modal's values: what to save, or per-block errors to show in the modal."""

    values: dict[str, str | None]
    errors: dict[str, str]


def build_draft_reply(
    *,
    draft: Draft,
    prospect: Prospect | None,
    cadence_rule: str | None,
    switched_to_email: bool,
    facts_total: int,
    caller_name: str | None = None,
) -> dict[str, object]:
    """The draft as the rep reads it into the phone, its length, and what to fix.

    `cadence_rule` explains the switch to email when `switched_to_email`; otherwise it is
    shown as context so the rep sees where the prospect stands.
    """
    headline = _KIND_TITLES[draft.kind]
    if prospect is not None:
        headline += f" for *{escape(prospect.name)}*"
        if prospect.company:
            headline += f" ({escape(prospect.company)})"
        number = prospect.phone or prospect.cell
        if number and draft.kind is not DraftKind.EMAIL:
            headline += f" · {phone_link(number)}"
    blocks = [section(headline)]
    if switched_to_email and cadence_rule:
        blocks.append(
            section(f":arrows_counterclockwise: *An email this time:* {escape(cadence_rule)}")
        )
    if draft.subject:
        to = f"*To:* {escape(prospect.email)}\n" if prospect and prospect.email else ""
        blocks.append(section(f"{to}*Subject:* {escape(draft.subject)}"))
    blocks.append(section(quoted(draft.text)))
    blocks.append(context(_length(draft.words, draft.seconds, draft.kind)))
    if draft.findings:
        blocks.append(section(_findings(draft.findings)))
    hint = _fact_hint(draft, prospect, facts_total)
    if hint:
        blocks.append(context(hint))
    if cadence_rule and not switched_to_email:
        blocks.append(context(f"Next step: {escape(cadence_rule)}"))
    if draft.kind is DraftKind.WRONG:
        blocks.append(_save_caller_button(caller_name))
    fallback = f"{_KIND_NAMES[draft.kind]}, {draft.words} words"
    return ephemeral(blocks, fallback=fallback)


def build_check_reply(text: str, findings: Sequence[Finding]) -> dict[str, object]:
    words = count_words(text)
    length = _length(words, estimate_seconds(words), DraftKind.VOICEMAIL)
    if not findings:
        return ephemeral(
            [section(":white_check_mark: Lints clean."), context(length)],
            fallback="Lints clean.",
        )
    return ephemeral(
        [section(_findings(findings)), context(length)],
        fallback=f"{len(findings)} things to fix in your script.",
    )


def build_profile_reply(rep: Rep, *, note: str | None = None) -> dict[str, object]:
    """The profile as drafts will use it, with what is still missing called out."""
    shown = {
        "name": escape(rep.name) if rep.name.strip() else None,
        "company": escape(rep.company) if rep.company else None,
        "phone": phone_link(rep.phone) if rep.phone else None,
        "cell": phone_link(rep.cell) if rep.cell else None,
        "email": escape(rep.email) if rep.email else None,
        "benefit": escape(rep.benefit) if rep.benefit else None,
        "desk_hours": _hours(rep.desk_hours),
        "partners": escape(", ".join(rep.partners)) if rep.partners else None,
        "working_day": _hours(rep.day) + (" (the default)" if rep.working_day is None else ""),
    }
    lines = [f"*{PROFILE_LABELS[key]}:* {value or '_not set_'}" for key, value in shown.items()]
    blocks = [section(":bust_in_silhouette: *Your profile*\n" + "\n".join(lines))]
    if not (rep.phone or rep.cell) or not rep.name.strip():
        blocks.append(
            context("Drafts need your name and a phone number: /vmscript profile phone:… name:…")
        )
    if note:
        blocks.append(context(escape(note)))
    return ephemeral(blocks, fallback="Your profile")


def build_facts_reply(facts: Sequence[str], headline: str | None = None) -> dict[str, object]:
    """Numbered as `facts remove` expects them."""
    blocks = [section(escape(headline))] if headline else []
    if facts:
        numbered = "\n".join(f"{n}. {escape(fact)}" for n, fact in enumerate(facts, start=1))
        blocks.append(section(f"*Your commercials*, revealed one per voicemail:\n{numbered}"))
        blocks.append(context("Remove one with /vmscript facts remove N."))
    else:
        blocks.append(
            section(
                f"No facts yet. Add short ones about your business with {_ADD_FACT}:"
                " each voicemail to a prospect then reveals a new one."
            )
        )
    return ephemeral(blocks, fallback=headline or f"{len(facts)} facts")


def build_profile_modal(rep: Rep) -> dict[str, object]:
    current = {
        "name": rep.name,
        "company": rep.company,
        "phone": rep.phone,
        "cell": rep.cell,
        "email": rep.email,
        "benefit": rep.benefit,
        "desk_hours": _hours(rep.desk_hours),
        "partners": ", ".join(rep.partners) or None,
        "working_day": _hours(rep.working_day) if rep.working_day else None,
    }
    hints = {
        "phone": "Said at the start and the end of every voicemail.",
        "benefit": "What a return call gets them, e.g. we help sales teams book 20% more meetings.",
        "desk_hours": "Your clock, e.g. 9-12: voicemails say when you're at your desk.",
        "partners": "Named when a stranger's need isn't yours, e.g. Acme Audit, Beta Books.",
        "working_day": "Your clock, e.g. 7-19 (the default): no time is proposed outside it.",
    }
    blocks = [
        _input(
            key,
            PROFILE_LABELS[key],
            current[key],
            optional=key != "name",
            max_length=_PROFILE_LIMITS[key],
            hint=hints.get(key),
        )
        for key in PROFILE_LABELS
    ]
    return modal(ids.VMSCRIPT_PROFILE_VIEW, "Your voicemail profile", "Save", blocks)


def build_save_caller_modal(name: str | None, phone: str | None = None) -> dict[str, object]:
    blocks = [
        _input("name", CALLER_LABELS["name"], name, optional=False, max_length=MAX_NAME),
        _input("company", CALLER_LABELS["company"], None, max_length=MAX_PROFILE_TEXT),
        _input("phone", CALLER_LABELS["phone"], phone, max_length=_MAX_PHONE),
        _input("notes", CALLER_LABELS["notes"], None, max_length=MAX_NOTES, multiline=True),
    ]
    return modal(ids.VMSCRIPT_SAVE_CALLER_VIEW, "Save caller as prospect", "Save", blocks)


def build_saved_modal(title: str, text: str) -> dict[str, object]:
    """Shown in place of a submitted form, so the rep sees it worked without a new message."""
    return info_modal(title, [section(text)])


def read_profile_form(state: Mapping[str, Any]) -> FormReading:
    """Validate the profile modal; empty optional fields clear what was there."""
    errors: dict[str, str] = {}
    raw = _values(state, _PROFILE_LIMITS, errors)
    values: dict[str, str | None] = dict(raw)
    if not raw["name"]:
        errors.setdefault("name", "Your name goes into every message.")
    for key in ("phone", "cell"):
        values[key], problem = _phone(raw[key])
        if problem:
            errors.setdefault(key, problem)
    if raw["email"]:
        try:
            values["email"] = email_address(raw["email"], raw["email"])
        except GrammarError as problem:
            errors.setdefault("email", problem.message)
    for key in ("desk_hours", "working_day"):
        if raw[key]:
            try:
                values[key] = desk_hours_option(raw[key])
            except GrammarError as problem:
                errors.setdefault(key, problem.message)
    return FormReading(values, errors)


def read_caller_form(state: Mapping[str, Any]) -> FormReading:
    errors: dict[str, str] = {}
    raw = _values(state, _CALLER_LIMITS, errors)
    values: dict[str, str | None] = dict(raw)
    if not raw["name"]:
        errors.setdefault("name", "Give the caller's name, so you can find them again.")
    values["phone"], problem = _phone(raw["phone"])
    if problem:
        errors.setdefault("phone", problem)
    return FormReading(values, errors)


def _values(
    state: Mapping[str, Any], limits: Mapping[str, int], errors: dict[str, str]
) -> dict[str, str | None]:
    """Trimmed text per block_id (None when empty); over-long text is an error, not cut."""
    blocks = state.get("values") or {}
    read: dict[str, str | None] = {}
    for key, limit in limits.items():
        text = str((blocks.get(key) or {}).get(FIELD, {}).get("value") or "")
        unstorable = unstorable_text(text, "This") or (
            hidden_in_name(text, "This") if key == "name" else None
        )
        # Notes keep their line breaks; one-line fields lose stray spacing.
        text = text.strip() if key == "notes" else " ".join(text.split())
        if unstorable:
            errors[key] = unstorable
        elif len(text) > limit:
            errors[key] = f"Keep it to {limit} characters."
        read[key] = text or None
    return read


def _phone(raw: str | None) -> tuple[str | None, str | None]:
    """(E.164, None) or (None, problem); an empty field is simply no number."""
    if not raw:
        return None, None
    try:
        return normalize_phone(raw), None
    except PhoneError as problem:
        return None, f"{problem.message}. Write it with area code, e.g. +1 312 555 0100."


def _input(
    block_id: str,
    label: str,
    initial: str | None,
    *,
    optional: bool = True,
    max_length: int,
    multiline: bool = False,
    hint: str | None = None,
) -> dict[str, object]:
    element = text_input(max_length, initial=initial, multiline=multiline)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _hours(hours: DeskHours | None) -> str | None:
    """'9–12' as the rep typed it, near enough, on their own clock."""
    if hours is None:
        return None
    start, end = hours.start, hours.end
    return f"{start:%-H:%M}–{end:%-H:%M}".replace(":00", "")


def quoted(text: str) -> str:
    """A block quote sets the script apart from the bot's own words."""
    return "\n".join(f"&gt; {line}" if line else "&gt;" for line in escape(text).split("\n"))


def _length(words: int, seconds: int, kind: DraftKind) -> str:
    if kind is DraftKind.EMAIL:
        return f"{words} words"
    return f"{words} words · about {seconds} seconds to say"


def _findings(findings: Sequence[Finding]) -> str:
    items = "\n".join(f"• {escape(finding.message)}" for finding in findings)
    return f":mag: *To fix:*\n{items}"


def _fact_hint(draft: Draft, prospect: Prospect | None, facts_total: int) -> str | None:
    """Which commercial this message reveals, or how to give the next one something new."""
    if draft.kind not in (DraftKind.VOICEMAIL, DraftKind.EMAIL) or prospect is None:
        return None
    if draft.fact_used:
        return f"New fact for {escape(prospect.name)}: {escape(draft.fact_used)}"
    if facts_total == 0:
        return (
            f"Add short facts about your business with {_ADD_FACT}: each voicemail"
            " then reveals a new one."
        )
    return (
        f"All {facts_total} of your facts are used with {escape(prospect.name)};"
        f" add a new one with {_ADD_FACT}."
    )


def _save_caller_button(name: str | None) -> dict[str, object]:
    """The value only prefills the form the rep then checks, so it is never trusted."""
    button: dict[str, object] = {
        "type": "button",
        "action_id": ids.VMSCRIPT_SAVE_CALLER,
        "text": {"type": "plain_text", "text": "Save caller as prospect"},
        "style": "primary",
    }
    if name:
        button["value"] = name[:MAX_NAME]
    return {"type": "actions", "elements": [button]}
