"""Reading a CRM export: which column is which, and whether a row makes a prospect.

Reps bring prospects from HubSpot ("First Name", "Company Name", "Phone Number", "Mobile
Phone Number", "Amount"), Salesforce ("Account Name", "Phone", "Mobile", "Opportunity
Amount") or a sheet they typed themselves ("name", "company", "phone", "cell", …). Headers
are matched ignoring case, spaces and punctuation; columns we don't use are ignored.

A row is read exactly as `/prospect add` reads the same values, so an import cannot let in
a phone or an email the command would have refused. Pure: no files, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bot.grammar.logcall import (
    MAX_EMAIL,
    MAX_NAME,
    MAX_NOTES,
    MAX_TEXT,
    GrammarError,
    email_address,
    money_currency,
)
from bot.grammar.prospect import deal_value_option, tz_option
from bot.grammar.stored_text import hidden_in_name, unstorable_text
from bot.rules.money import DEFAULT_CURRENCY, currency_mismatch
from bot.rules.phones import PhoneError, normalize_phone
from bot.rules.prospects import ProspectFields

# What each field is called in the exports reps bring, as header keys (see `header_key`).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "contactname", "prospect", "prospectname"),
    "first_name": ("firstname", "first", "givenname"),
    "last_name": ("lastname", "last", "surname", "familyname"),
    "company": ("company", "companyname", "accountname", "account", "organization"),
    "phone": (
        "phone",
        "phonenumber",
        "businessphone",
        "workphone",
        "officephone",
        "telephone",
        "directphone",
    ),
    "cell": ("cell", "cellphone", "mobile", "mobilephone", "mobilephonenumber", "mobilenumber"),
    "email": ("email", "emailaddress", "workemail"),
    "value": ("value", "dealvalue", "amount", "opportunityamount", "dealamount"),
    "tz": ("tz", "timezone"),
    "referrer": ("referrer", "ref", "referredby", "referral"),
    "note": ("note", "notes", "connectionnote", "description"),
    "hook": ("hook", "talkingpoint", "talkingpoints"),
}
_FIELD_BY_KEY = {key: field for field, keys in HEADER_NAMES.items() for key in keys}
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")

T = TypeVar("T")


class HeaderError(ValueError):
    """The file's header has no column we can take a name from; `message` says what we saw."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowError(ValueError):
    """Why one row was not imported, quoting the value at fault."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ColumnMap:
    """Which columns feed each field (several may: the first non-empty one wins)."""

    columns: dict[str, tuple[int, ...]]
    ignored: tuple[str, ...]
    width: int


def header_key(header: str) -> str:
    """'Mobile Phone Number', 'mobile_phone_number' and 'MobilePhoneNumber' all read alike."""
    return _NOT_ALPHANUMERIC.sub("", header.casefold())


def map_headers(headers: Sequence[str]) -> ColumnMap:
    """Raises HeaderError when no column gives a name: without one no row can be imported."""
    columns: dict[str, list[int]] = {}
    ignored = []
    for position, header in enumerate(headers):
        field = _FIELD_BY_KEY.get(header_key(header))
        if field is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        columns.setdefault(field, []).append(position)
    if "name" not in columns and "first_name" not in columns and "last_name" not in columns:
        seen = ", ".join(f"“{header}”" for header in headers if header.strip()) or "none"
        raise HeaderError(
            f"No name column among the headers ({seen}). Name one column “name”, or"
            " “First Name” and “Last Name”; phone, cell, email, company, value, tz, referrer,"
            " note and hook (a talking point) are read too."
        )
    return ColumnMap(
        {field: tuple(positions) for field, positions in columns.items()},
        tuple(ignored),
        len(headers),
    )


def is_blank(values: Sequence[str]) -> bool:
    """Spreadsheets leave empty rows between blocks of data: they are not prospects."""
    return not any(value.strip() for value in values)


def read_row(
    values: Sequence[str], columns: ColumnMap, currency: str = DEFAULT_CURRENCY
) -> ProspectFields:
    """The prospect one row describes, its value in the workspace's `currency`. Raises
    RowError naming the first value at fault."""
    extra = [value for value in values[columns.width :] if value.strip()]
    if extra:
        raise RowError(
            f"{len(values)} values but the header has {columns.width} columns (extra:"
            f" “{extra[0]}”); a comma inside a value needs the value in quotes."
        )
    for field, positions in columns.columns.items():
        for position in positions:
            if position < len(values) and (
                problem := unstorable_text(values[position], f"The {field.replace('_', ' ')}")
            ):
                raise RowError(problem)

    def cell(field: str) -> str | None:
        for position in columns.columns.get(field, ()):
            if position < len(values) and (text := " ".join(values[position].split())):
                return text
        return None

    name = cell("name") or " ".join(filter(None, [cell("first_name"), cell("last_name")]))
    if not name:
        raise RowError("No name: every prospect needs one.")
    if problem := hidden_in_name(name):
        raise RowError(problem)
    note = cell("note")
    hook = cell("hook")
    for label, text, limit in (
        ("name", name, MAX_NAME),
        ("company", cell("company"), MAX_TEXT),
        ("referrer", cell("referrer"), MAX_TEXT),
        ("note", note, MAX_NOTES),
        ("hook", hook, MAX_NOTES),
        ("email", cell("email"), MAX_EMAIL),
    ):
        if text and len(text) > limit:
            raise RowError(f"{label} “{text[:40]}…” is longer than {limit} characters.")
    return ProspectFields(
        name=name,
        company=cell("company"),
        phone=_phone("phone", cell("phone")),
        cell=_phone("cell", cell("cell")),
        email=_read("email", cell("email"), email_address),
        tz=_read("tz", cell("tz"), tz_option),
        deal_value=_read("value", cell("value"), partial(_value_in, currency)),
        referrer=cell("referrer"),
        connection_note=note,
        hook=hook,
    )


def _value_in(currency: str, text: str, quoted: str) -> int:
    """A value marked in another currency is refused: nothing converts between them."""
    value = deal_value_option(text, quoted)
    if mismatch := currency_mismatch(money_currency(text), currency):
        raise GrammarError(mismatch)
    return value


def _phone(label: str, text: str | None) -> str | None:
    if not text:
        return None
    try:
        return normalize_phone(text)
    except PhoneError as problem:
        raise RowError(f"{label}: {problem.message}; write it with its area code.") from None


def _read(label: str, text: str | None, read: Callable[[str, str], T]) -> T | None:
    """`read` is a /prospect add option reader taking (value, what was typed)."""
    if not text:
        return None
    try:
        return read(text, text)
    except GrammarError as problem:
        raise RowError(f"{label}: {problem.message}") from None
