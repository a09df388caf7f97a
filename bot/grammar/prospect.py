"""The `/prospect` line: add, edit, show, list, snooze or delete one of the rep's prospects.

    /prospect add Jane Doe phone:+1 312 555 0100 email:jane@acme.com value:$12k note:"met at expo"
    /prospect edit|show|delete Jane Doe
    /prospect list [due|owed|laidoff|active|won|lost|dnc|all]
    /prospect snooze Jane Doe 1d|2w|until "thu 8am"|off
    /prospect crm | sync
    /prospect erase Jane Doe | export

Quotes, phones, emails, money and zones are read exactly as /logcall reads them, so a rep
learns one way of typing. Errors quote the words that were not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.grammar.logcall import (
    MAX_NAME,
    MAX_NOTES,
    MAX_TEXT,
    OPTION_EXAMPLES,
    DealValueError,
    GrammarError,
    email_address,
    money_currency,
    parse_deal_value,
    phone_option,
    refuse_longer_than,
    refuse_unstorable,
    resolve_tz,
    tokenize,
)
from bot.grammar.stored_text import hidden_in_name
from bot.rules.prospects import ListFilter

# The prospects table's widths for the free-text columns.

ADD_OPTIONS: dict[str, str] = {
    key: OPTION_EXAMPLES[key] for key in ("phone", "cell", "email", "company", "value", "ref", "tz")
} | {"note": 'note:"met at the expo"', "hook": 'hook:"their Q1 rollout"'}
LIST_WORDS: dict[str, ListFilter] = {f.value: f for f in ListFilter} | {
    "laid-off": ListFilter.LAID_OFF,
    "not-interested": ListFilter.NOT_INTERESTED,
    "ni": ListFilter.NOT_INTERESTED,
}
_SNOOZE_SPAN = re.compile(r"(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?)")
_SNOOZE_OFF = frozenset({"off", "none", "clear", "cancel"})
_MAX_SNOOZE_DAYS = 366
_SUBCOMMANDS = "add, edit, show, list, snooze, delete, erase, export, crm, sync, phone or help"
PHONE_VENDORS = ("aircall", "twilio")

USAGE = f"""\
Manage your prospects: /prospect add|edit|show|list|snooze|delete|sync|crm …
  /prospect add Jane Doe {" ".join(ADD_OPTIONS.values())}
  /prospect edit Jane Doe     opens a form with everything about them
  /prospect show Jane Doe     calls, drafts used and the next step
  /prospect list [{"|".join(f.value for f in ListFilter)}]   (active when left out)
  /prospect snooze Jane Doe 1d|1w|until "thu 8am"|off
  /prospect delete Jane Doe   asks before deleting
  /prospect erase Jane Doe    erases them and everything about them (owner or admin)
  /prospect export            the workspace's data as a file in your DM (admins)
  /prospect sync              pulls your contacts from the CRM now
  /prospect crm               connects HubSpot or Salesforce (workspace admins)
  /prospect phone aircall|twilio [token:…]   connects a phone system (workspace admins)"""


@dataclass(frozen=True)
class AddProspect:
    name: str
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    company: str | None = None
    deal_value: int | None = None
    referrer: str | None = None
    tz: str | None = None
    note: str | None = None
    """Private: never in a draft."""
    hook: str | None = None
    """A talking point drafts may say aloud."""
    deal_currency: str | None = None


@dataclass(frozen=True)
class EditProspect:
    name: str


@dataclass(frozen=True)
class ShowProspect:
    name: str


@dataclass(frozen=True)
class DeleteProspect:
    name: str


@dataclass(frozen=True)
class EraseProspect:
    """Erase the prospect and everything about them (a privacy request)."""

    name: str


@dataclass(frozen=True)
class ExportWorkspace:
    """The workspace's data as a file in the admin's DM."""


@dataclass(frozen=True)
class ListProspects:
    filter: ListFilter = ListFilter.ACTIVE


@dataclass(frozen=True)
class SnoozeProspect:
    """Exactly one of `days`, `until_text` (resolved on the rep's clock later) or `off`."""

    name: str
    days: int | None = None
    until_text: str | None = None
    off: bool = False


@dataclass(frozen=True)
class ConnectCrm:
    """Open the CRM connection form (workspace admins and owners)."""


@dataclass(frozen=True)
class SyncCrm:
    """Pull the workspace's contacts from its CRM now."""


@dataclass(frozen=True)
class ConnectPhone:
    """Tie a phone system's webhooks to this workspace (workspace admins and owners);
    `vendor` None shows what is connected. Without `token` the environment's serves."""

    vendor: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class ShowHelp:
    """Print the usage: reps type `help` after any command."""


ProspectRequest = (
    AddProspect
    | EditProspect
    | ShowProspect
    | DeleteProspect
    | EraseProspect
    | ExportWorkspace
    | ListProspects
    | SnoozeProspect
    | ConnectCrm
    | SyncCrm
    | ConnectPhone
    | ShowHelp
)


def parse_prospect(text: str) -> ProspectRequest:
    """Read the text after `/prospect`, as the rep typed it (see `slack_text.decode`).

    Raises GrammarError with a message for the rep.
    """
    refuse_unstorable(text)
    stripped = text.strip()
    head, _, rest = stripped.partition(" ")
    rest = rest.strip()
    match head.casefold():
        case "" | "help":
            return ShowHelp()
        case "add":
            return _add(rest)
        case "edit":
            return EditProspect(_name(rest, "edit"))
        case "show":
            return ShowProspect(_name(rest, "show"))
        case "delete" | "remove":
            return DeleteProspect(_name(rest, "delete"))
        case "erase":
            return EraseProspect(_name(rest, "erase"))
        case "list":
            return _list(rest)
        case "snooze":
            return _snooze(rest)
        case "crm" | "sync" | "export" if rest:
            raise GrammarError(f"/prospect {head.casefold()} takes nothing after it.")
        case "crm":
            return ConnectCrm()
        case "sync":
            return SyncCrm()
        case "phone":
            return _phone(rest)
        case "export":
            return ExportWorkspace()
    raise GrammarError(f"“{head}” isn't something I can do with prospects. Use {_SUBCOMMANDS}.")


def _add(text: str) -> AddProspect:
    tokens = tokenize(text, 'note:"met at the expo"')
    name_words: list[str] = []
    values: dict[str, str] = {}
    deal_value: int | None = None
    deal_currency: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, colon, value = token.partition(":")
        key = key.casefold()
        if colon and key.isalpha() and key not in ADD_OPTIONS:
            raise GrammarError(
                f"I don't know the option “{token}”. Options: {', '.join(ADD_OPTIONS.values())}."
            )
        if not colon or key not in ADD_OPTIONS:
            if values or deal_value is not None:
                raise GrammarError(
                    f"I don't know “{token}” after the options. Put the name first and quote"
                    f" anything with spaces, e.g. {ADD_OPTIONS['note']}."
                )
            name_words.append(token)
            i += 1
            continue
        if key in values or (key == "value" and deal_value is not None):
            raise GrammarError(f"You gave {key}: twice. Keep one.")
        value = value.strip()
        if not value:
            raise GrammarError(
                f"“{token}” has no value. Write it right after the colon, e.g. {ADD_OPTIONS[key]}."
            )
        if key in ("phone", "cell"):
            _, values[key], used = phone_option(key, value, tokens[i + 1 :])
            i += used
        elif key == "value":
            deal_value = deal_value_option(value, token)
            deal_currency = money_currency(value)
        elif key == "email":
            values[key] = email_address(value, token)
        elif key == "tz":
            values[key] = tz_option(value, token)
        else:
            refuse_longer_than(key, value, MAX_NOTES if key in ("note", "hook") else MAX_TEXT)
            values[key] = value
        i += 1
    name = _checked_name(" ".join(name_words), "add")
    return AddProspect(
        name=name,
        phone=values.get("phone"),
        cell=values.get("cell"),
        email=values.get("email"),
        company=values.get("company"),
        deal_value=deal_value,
        referrer=values.get("ref"),
        tz=values.get("tz"),
        note=values.get("note"),
        hook=values.get("hook"),
        deal_currency=deal_currency,
    )


def deal_value_option(value: str, quoted: str) -> int:
    """Whole dollars; `quoted` is what the rep typed, shown back when it can't be read."""
    try:
        return parse_deal_value(value)
    except DealValueError as problem:
        raise GrammarError(
            f"“{quoted}” {problem.problem}. Write the deal value like $12k, 12,000, £20k or $1.5m."
        ) from None


def tz_option(value: str, quoted: str) -> str:
    try:
        return resolve_tz(value)
    except KeyError:
        raise GrammarError(
            f"I don't know the time zone in “{quoted}”. Use a name like America/Chicago,"
            " or ET, CT, MT, PT."
        ) from None


def _name(text: str, verb: str) -> str:
    return _checked_name(" ".join(tokenize(text, '"Jane Doe"')), verb)


def _checked_name(name: str, verb: str) -> str:
    if not name:
        raise GrammarError(
            f"Whose? Put the prospect's name after {verb}: /prospect {verb} Jane Doe."
        )
    if problem := hidden_in_name(name):
        raise GrammarError(f"{problem} Nothing was saved.")
    if len(name) > MAX_NAME:
        raise GrammarError(f"The name “{name[:40]}…” is longer than {MAX_NAME} characters.")
    return name


def _list(text: str) -> ListProspects:
    word = text.casefold()
    if not word:
        return ListProspects()
    if word not in LIST_WORDS:
        raise GrammarError(
            f"“{text}” isn't a list I keep. Use one of"
            f" {', '.join(f.value for f in ListFilter)}, e.g. /prospect list due."
        )
    return ListProspects(LIST_WORDS[word])


def _snooze(text: str) -> SnoozeProspect:
    tokens = tokenize(text, '/prospect snooze "Jane Doe" until "thu 8am"')
    if not tokens:
        _checked_name("", "snooze")
    lowered = [token.casefold() for token in tokens]
    if "until" in lowered[1:]:
        at = lowered.index("until", 1)
        when = " ".join(tokens[at + 1 :])
        if not when:
            raise GrammarError(
                'Until when? e.g. /prospect snooze Jane Doe until "thu 8am" or until 12/1.'
            )
        return SnoozeProspect(_checked_name(" ".join(tokens[:at]), "snooze"), until_text=when)
    if len(tokens) >= 2 and lowered[-1] in _SNOOZE_OFF:
        return SnoozeProspect(_checked_name(" ".join(tokens[:-1]), "snooze"), off=True)
    # "2 weeks" is two tokens, "2w" one: try the longer reading first.
    for used in (2, 1):
        if len(tokens) >= used and (span := _SNOOZE_SPAN.fullmatch(" ".join(lowered[-used:]))):
            days = int(span["n"]) * (7 if span["unit"].startswith("w") else 1)
            if not 1 <= days <= _MAX_SNOOZE_DAYS:
                raise GrammarError(
                    f"“{' '.join(tokens[-used:])}” is not a snooze I can set: pick 1 day to a year."
                )
            return SnoozeProspect(_checked_name(" ".join(tokens[:-used]), "snooze"), days=days)
    raise GrammarError(
        f"How long? “{text}” needs a span after the name: 1d, 3d, 1w, 2w,"
        ' until "thu 8am", or off to wake them now.'
    )


def _phone(text: str) -> ConnectPhone:
    words = text.split()
    if not words:
        return ConnectPhone()
    vendor = words[0].casefold()
    if vendor not in PHONE_VENDORS:
        raise GrammarError(f"“{words[0]}” isn't a phone system I know: use aircall or twilio.")
    token = None
    for word in words[1:]:
        if not word.casefold().startswith("token:") or token is not None:
            raise GrammarError(
                f"“{word}”: give at most one token:…, e.g. /prospect phone {vendor} token:abc123"
            )
        token = word[len("token:") :]
        if not token or len(token) > 200:
            raise GrammarError("The token is empty or longer than 200 characters.")
    return ConnectPhone(vendor, token)
