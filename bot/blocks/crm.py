"""What reps and admins see of the CRM: the connection form, the App Home's CRM line and
the link from `/prospect show`. Pure: the handlers read and write, these only draw."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.common import button, context, section
from bot.blocks.logcall import FormErrors
from bot.blocks.modals import FIELD, info_modal, input_block, modal, option, text_input
from bot.blocks.mrkdwn import escape

KIND = "crm_kind"
HUBSPOT_TOKEN = "crm_hubspot_token"
SF_INSTANCE_URL = "crm_sf_instance_url"
SF_ACCESS_TOKEN = "crm_sf_access_token"
KINDS = {"hubspot": "HubSpot", "salesforce": "Salesforce"}
_MAX_SECRET = 500
_MAX_URL = 200


@dataclass(frozen=True)
class CrmForm:
    """A filled-in connection form: the CRM and only the credentials it takes."""

    kind: str
    credentials: dict[str, str]


@dataclass(frozen=True)
class CrmStatus:
    """The App Home's CRM line for one rep."""

    label: str
    last_sync_at: datetime | None
    sync_error: str | None
    """How the last pull went wrong, to follow "The last pull": "failed: …", or "came in,
    but HubSpot refused part of it: …"."""
    waiting: int
    failed: int
    why: str | None


def build_crm_modal(connected_label: str | None) -> dict[str, object]:
    kind = {
        "type": "static_select",
        "action_id": FIELD,
        "placeholder": {"type": "plain_text", "text": "HubSpot or Salesforce"},
        "options": [option(label, value) for value, label in KINDS.items()],
    }
    note = (
        f"Connected to {connected_label} now; saving replaces it."
        if connected_label
        else "Not connected yet."
    )
    blocks = [
        context(
            f"{note} The credentials are checked with one read before they are saved,"
            " and stored encrypted."
        ),
        input_block(KIND, "CRM", kind),
        input_block(
            HUBSPOT_TOKEN,
            "HubSpot private app access token",
            text_input(_MAX_SECRET, placeholder="pat-na1-…"),
            optional=True,
            hint="HubSpot: Settings → Integrations → Private apps → your app → Auth.",
        ),
        input_block(
            SF_INSTANCE_URL,
            "Salesforce instance URL",
            text_input(_MAX_URL, placeholder="https://acme.my.salesforce.com"),
            optional=True,
        ),
        input_block(
            SF_ACCESS_TOKEN,
            "Salesforce access token",
            text_input(_MAX_SECRET),
            optional=True,
            hint="An access token for the instance above (it ends with its session).",
        ),
    ]
    return modal(ids.CRM_CONNECT_VIEW, "Connect your CRM", "Check & save", blocks)


def read_crm_form(state: Mapping[str, Any]) -> CrmForm:
    """Raises FormErrors naming each field to fix; nothing is checked with the CRM here."""
    values = state.get("values") or {}

    def text(block_id: str) -> str:
        return str(((values.get(block_id) or {}).get(FIELD) or {}).get("value") or "").strip()

    kind = str(
        (((values.get(KIND) or {}).get(FIELD) or {}).get("selected_option") or {}).get("value")
        or ""
    )
    if kind == "hubspot":
        token = text(HUBSPOT_TOKEN)
        if not token:
            raise FormErrors({HUBSPOT_TOKEN: "Paste the private app's access token."})
        return CrmForm(kind, {"access_token": token})
    if kind != "salesforce":
        raise FormErrors({KIND: "Pick HubSpot or Salesforce."})
    instance_url = text(SF_INSTANCE_URL)
    token = text(SF_ACCESS_TOKEN)
    errors: dict[str, str] = {}
    if not _https_url(instance_url):
        errors[SF_INSTANCE_URL] = "Give the full https:// address of your Salesforce."
    if not token:
        errors[SF_ACCESS_TOKEN] = "Paste an access token issued for that instance."
    if errors:
        raise FormErrors(errors)
    return CrmForm(kind, {"instance_url": instance_url, "access_token": token})


OUTCOME_BLOCK = "crm_outcome_"
_MAX_DISPOSITION = 255
"""Salesforce's CallDisposition holds 255 characters."""


@dataclass(frozen=True)
class OutcomeRow:
    """One of our outcomes in the mapping form: what it is called, what it maps to now."""

    outcome: str
    label: str
    current: str


def build_outcomes_button(label: str) -> dict[str, object]:
    return {
        "type": "actions",
        "elements": [button(f"Map call outcomes to {label}'s", ids.CRM_OUTCOMES)],
    }


def build_outcomes_modal(
    label: str, rows: list[OutcomeRow], choices: list[tuple[str, str]] | None
) -> dict[str, object]:
    """One field per outcome: a pick from the CRM's own call outcomes (HubSpot), or the
    words to write (Salesforce's CallDisposition is text)."""
    blocks: list[dict[str, object]] = [
        context(f"Each outcome you log goes to {escape(label)} as the call outcome chosen here.")
    ]
    for row in rows:
        if choices is None:
            element = text_input(_MAX_DISPOSITION, initial=row.current)
        else:
            options = [option(text[:75], value) for value, text in choices]
            element = {"type": "static_select", "action_id": FIELD, "options": options}
            chosen = next((o for o in options if o["value"] == row.current), None)
            if chosen is not None:
                element["initial_option"] = chosen
        blocks.append(input_block(OUTCOME_BLOCK + row.outcome, row.label, element))
    return modal(ids.CRM_OUTCOMES_VIEW, "Call outcomes", "Save", blocks)


def read_outcomes_form(state: Mapping[str, Any], outcomes: list[str]) -> dict[str, str]:
    """Outcome -> the CRM's value; raises FormErrors naming each field to fix."""
    values = state.get("values") or {}
    mapping: dict[str, str] = {}
    errors: dict[str, str] = {}
    for outcome in outcomes:
        field = (values.get(OUTCOME_BLOCK + outcome) or {}).get(FIELD) or {}
        chosen = str((field.get("selected_option") or {}).get("value") or field.get("value") or "")
        chosen = chosen.strip()
        if not chosen:
            errors[OUTCOME_BLOCK + outcome] = "Pick the call outcome this goes to."
        elif len(chosen) > _MAX_DISPOSITION or "\x00" in chosen:
            errors[OUTCOME_BLOCK + outcome] = f"At most {_MAX_DISPOSITION} characters."
        else:
            mapping[outcome] = chosen
    if errors:
        raise FormErrors(errors)
    return mapping


def build_connect_links(links: list[tuple[str, str]]) -> list[dict[str, object]]:
    """`/prospect crm` for an admin: one link a CRM, each good once, for ten minutes."""
    lines = [f"<{escape(url)}|Connect {escape(label)}>" for label, url in links]
    text = (
        "Connect your CRM: " + " · ".join(lines) + "\nEach link works once, for ten minutes;"
        " you sign in to the CRM and approve Phone Tag there. Connecting replaces any CRM"
        " connected before."
    )
    return [section(text)]


def build_connected_modal(label: str, account_id: str) -> dict[str, object]:
    text = (
        f":white_check_mark: Connected to *{escape(label)}* (account {escape(account_id)})."
        " Each rep's contacts come in within a minute (or now with `/prospect sync`),"
        f" and every call logged from now on goes to {escape(label)}."
    )
    return info_modal("CRM connected", [section(text)])


def build_crm_home_blocks(status: CrmStatus, rep_tz: ZoneInfo) -> list[dict[str, object]]:
    """One line: the connection and last pull, and what is waiting and why."""
    label = escape(status.label)
    synced = (
        f"last sync {status.last_sync_at.astimezone(rep_tz):%a %-I:%M %p}"
        if status.last_sync_at
        else "not synced yet"
    )
    lines = [f":link: *{label}* connected · {synced}"]
    if status.sync_error:
        lines.append(f":warning: The last pull {escape(status.sync_error)}")
    if status.waiting:
        calls = "call" if status.waiting == 1 else "calls"
        why = f": {escape(status.why)}" if status.why else "; they go within the minute."
        lines.append(f":hourglass: {status.waiting} {calls} waiting to reach {label}{why}")
    else:
        lines.append(f":white_check_mark: Every call you logged is in {label}.")
    if status.failed:
        calls = "call" if status.failed == 1 else "calls"
        lines.append(f":x: {label} refused {status.failed} {calls}; log them there by hand.")
    return [section("\n".join(lines))]


def crm_link_text(label: str, url: str) -> str:
    """The URL is built from an admin's instance URL: percent-encoded, it can't break out
    of the link."""
    return f"<{quote(url, safe=':/?&=#%.-_~')}|Open in {escape(label)}>"


def _https_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme == "https" and bool(parts.hostname)
