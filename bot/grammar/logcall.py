"""The one-line `/logcall` grammar, so a rep can log a dial without opening a form.

    /logcall Jane Doe vm phone:+1 312 555 0100 value:$12k next:"thu 8am" left msg about the bid

Name words come first, then the outcome word, then notes; `key:value` options may
appear anywhere after the first name word. Every error names the part it could not
read, because the rep only sees the reply, never a stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import available_timezones

from bot.grammar.stored_text import hidden_in_name, unstorable_text
from bot.rules.calls import Outcome
from bot.rules.money import CurrencyError, currency_code
from bot.rules.phones import PhoneError, normalize_phone

MAX_NAME = 120
MAX_NOTES = 2000
MAX_TEXT = 200
"""company:, ref: and the other short text options: the width of their columns."""
MAX_EMAIL = 254
"""The longest address SMTP delivers (RFC 5321), and the width of the email columns."""
MAX_DEAL_VALUE = 1_000_000_000_000
"""A trillion dollars: past any real deal, and a number every database column holds."""

OUTCOME_ALIASES: dict[str, Outcome] = {outcome.value: outcome for outcome in Outcome} | {
    "voicemail": Outcome.VOICEMAIL,
    "lm": Outcome.VOICEMAIL,
    "no-answer": Outcome.NO_ANSWER,
    "na": Outcome.NO_ANSWER,
    "gk": Outcome.GATEKEEPER,
    "hcb": Outcome.CALLBACK,
    "scb": Outcome.CALLBACK,
    "meet": Outcome.MEETING,
    "not-interested": Outcome.NOT_INTERESTED,
    "ni": Outcome.NOT_INTERESTED,
    "do-not-call": Outcome.DNC,
}
"""Every word accepted as an outcome (canonical values included), lower-case."""

# Reps say "Central", not "America/Chicago". EST/CST/... are mapped too: tzdata's
# fixed-offset "EST"/"MST" zones ignore daylight saving, which no rep means.
TZ_ABBREVIATIONS: dict[str, str] = {
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
}

OPTION_EXAMPLES: dict[str, str] = {
    "phone": "phone:+1 312 555 0100",
    "cell": "cell:312-555-0199",
    "email": "email:jane@acme.com",
    "company": 'company:"Acme Corp"',
    "value": "value:$12k",
    "ref": 'ref:"Bob Smith"',
    "tz": "tz:America/Chicago",
    "next": 'next:"thu 8am"',
    "at": 'at:"yesterday 5pm"',
    "back": "back:wednesday",
}

EXAMPLE = (
    '/logcall Jane Doe vm phone:+1 312 555 0100 value:$12k next:"thu 8am" left msg about the bid'
)
_OUTCOME_LIST = ", ".join(outcome.value for outcome in Outcome)

USAGE = f"""\
Log a call in one line: /logcall <name> <outcome> [options] [notes]
  e.g. {EXAMPLE}
Outcomes: {_OUTCOME_LIST}
Options: {", ".join(OPTION_EXAMPLES.values())}
at: logs an earlier call (up to 30 days back); back: is when a gatekeeper says they're in.
Quote anything with spaces; quote a name that contains an outcome word: "Kim Won" vm"""

_SMART_QUOTES = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"}
)
# A single-quoted group starts a word (or an option value) and ends one; any other
# apostrophe, as in O'Brien or didn't, is just a letter.
_SINGLE_QUOTED = re.compile(r"(?<![^\s:])'([^']*)'(?!\S)")
_PHONE_PIECE = re.compile(r"[\d()+\-.]+")
_EMAIL = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}"
)
_MONEY = re.compile(
    r"(?:(?P<sign>[$£€¥₹])|(?P<code>[a-z]{3})\s?)?"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<scale>[km]?)"
    r"(?:\s?(?P<after>[a-z]{3}))?"
)
_SCALES = {"": 1, "k": 1_000, "m": 1_000_000}


class GrammarError(ValueError):
    """A /logcall line we could not read; `message` quotes the part at fault, for the rep."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LogCallRequest:
    """What the rep typed, validated; `next_text` is resolved later with the rep's clock."""

    prospect_name: str
    outcome: Outcome
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    company: str | None = None
    deal_value: int | None = None
    referrer: str | None = None
    tz: str | None = None
    next_text: str | None = None
    notes: str = ""
    at_text: str | None = None
    """When the call happened, if earlier than now; resolved with the rep's clock."""
    back_text: str | None = None
    """The day the prospect is back (a gatekeeper's word); resolved with the rep's clock."""
    deal_currency: str | None = None
    """The currency the value was typed in, when it was marked ($, £, €, GBP…)."""


def parse_logcall(text: str) -> LogCallRequest:
    """Parse the text after `/logcall` (a leading "/logcall" is tolerated), as the rep typed
    it (see `slack_text.decode`).

    Phones are normalised to E.164 reading numbers without + as US numbers. Raises
    GrammarError with a message meant for the rep.
    """
    refuse_unstorable(text)
    tokens = tokenize(text)
    if tokens and tokens[0].lower() == "/logcall":
        tokens = tokens[1:]
    if not tokens:
        raise GrammarError(
            "Tell me who you called and how it went, e.g. Jane Doe vm left msg about the bid."
        )

    name_words: list[str] = []
    notes_words: list[str] = []
    seen: dict[str, str] = {}  # option key -> how it was written, to quote duplicates
    fields: dict[str, str] = {}
    deal_value: int | None = None
    deal_currency: str | None = None
    outcome: Outcome | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, colon, value = token.partition(":")
        key = key.lower()
        if colon and key in OPTION_EXAMPLES:
            if key in seen:
                raise GrammarError(
                    f"You gave {key}: twice (“{seen[key]}” and “{token}”). Keep one."
                )
            if not value.strip():
                raise GrammarError(
                    f"“{token}” has no value. Write it right after the colon,"
                    f" e.g. {OPTION_EXAMPLES[key]}."
                )
            seen[key] = token
            if key in ("phone", "cell"):
                seen[key], fields[key], used = phone_option(key, value, tokens[i + 1 :])
                i += used
            elif key == "value":
                deal_value = _deal_value_option(value, token)
                deal_currency = money_currency(value)
            else:
                fields[key] = _text_option(key, value.strip(), token)
        elif outcome is not None:
            notes_words.append(token)
        elif (word := _outcome_word(token)) and name_words:
            outcome = OUTCOME_ALIASES[word]
        else:
            name_words.append(token)
        i += 1

    if outcome is None and name_words and (word := _outcome_word(name_words[0])):
        raise GrammarError(
            f"I need the prospect's name before “{name_words[0]}”, e.g. Jane Doe {word} …"
            f' If the name contains an outcome word, quote it: "Kim Won" vm.'
        )
    if outcome is None:
        raise GrammarError(
            f"I couldn't find an outcome in “{text.strip()}”. Put one of {_OUTCOME_LIST}"
            " right after the prospect's name."
        )
    name = " ".join(name_words).rstrip(",;")
    if problem := hidden_in_name(name):
        raise GrammarError(f"{problem} Nothing was saved.")
    if len(name) > MAX_NAME:
        raise GrammarError(
            f"The name “{name[:40]}…” is longer than {MAX_NAME} characters."
            " Put details after the outcome, as notes."
        )
    notes = " ".join(notes_words)
    if len(notes) > MAX_NOTES:
        raise GrammarError(
            f"The notes “{notes[:40]}…” are longer than {MAX_NOTES} characters. Trim them."
        )
    return LogCallRequest(
        prospect_name=name,
        outcome=outcome,
        phone=fields.get("phone"),
        cell=fields.get("cell"),
        email=fields.get("email"),
        company=fields.get("company"),
        deal_value=deal_value,
        referrer=fields.get("ref"),
        tz=fields.get("tz"),
        next_text=fields.get("next"),
        notes=notes,
        at_text=fields.get("at"),
        back_text=_back_option(fields) or _back_in_notes(outcome, notes, fields),
        deal_currency=deal_currency,
    )


def _outcome_word(token: str) -> str | None:
    """The outcome a word names, if any. Only a word with a name before it is the outcome,
    so "Inbound Ivan inbound" is Inbound Ivan, who called in."""
    word = token.lower().rstrip(",.;!")
    return word if word in OUTCOME_ALIASES else None


def _back_option(fields: dict[str, str]) -> str | None:
    """`back:` says which day the prospect is in, `next:` when to call: one or the other."""
    if "back" in fields and "next" in fields:
        raise GrammarError("Give back: (the day they're in) or next: (when to call), not both.")
    return fields.get("back")


_BACK_IN_NOTES = re.compile(
    r"\b(?:out|away|off|travel+ing)\s+(?:until|till|til|through)\s+(?P<until>{days})\b"
    r"|\bback\s+(?:on\s+)?(?P<back>{days})\b".format(
        days="monday|tuesday|wednesday|thursday|friday|mon|tue|tues|wed|thu|thur|thurs|fri|tomorrow"
    ),
    re.IGNORECASE,
)


def _back_in_notes(outcome: Outcome, notes: str, fields: dict[str, str]) -> str | None:
    """A gatekeeper's "she's out until Wednesday", read from the notes when the rep gave no
    back: or next:, so what the screener said moves the next window all the same."""
    if outcome is not Outcome.GATEKEEPER or "next" in fields:
        return None
    match = _BACK_IN_NOTES.search(notes)
    return (match["until"] or match["back"]).lower() if match else None


def money_currency(raw: str) -> str | None:
    """The currency a value was typed in ("£20k" -> "GBP"), or None when unmarked.

    Raises GrammarError for a three-letter code we do not know.
    """
    match = _MONEY.fullmatch(raw.strip().lower())
    if match is None:
        return None
    marker = match["sign"] or match["code"] or match["after"]
    if marker is None:
        return None
    try:
        return currency_code(marker)
    except CurrencyError as problem:
        raise GrammarError(problem.message) from None


class DealValueError(ValueError):
    """Text that is no deal value; `problem` ends a sentence that quotes it."""

    def __init__(self, raw: str, problem: str) -> None:
        super().__init__(raw)
        self.problem = problem


def parse_deal_value(raw: str) -> int:
    """Whole units from $12k, 12,000, $1.5m, 15K, £20k, €15k, CHF 5k, 5k CHF; cents round
    half up. The currency marker is read by `money_currency`.

    Raises DealValueError (a ValueError).
    """
    match = _MONEY.fullmatch(raw.strip().lower())
    if match is None or (match["code"] and match["after"]):
        negative = raw.strip().lstrip("$£€¥₹ ").startswith("-")
        raise DealValueError(raw, "is negative" if negative else "isn't an amount of money")
    amount = Decimal(match["number"].replace(",", "")) * _SCALES[match["scale"]]
    if amount > MAX_DEAL_VALUE:
        raise DealValueError(raw, f"is more than {MAX_DEAL_VALUE:,}")
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def resolve_tz(raw: str) -> str:
    """The canonical IANA name for `raw`, matched case-insensitively, or ET/CT/MT/PT.

    Raises KeyError for names we do not know.
    """
    lowered = raw.strip().lower()
    return TZ_ABBREVIATIONS.get(lowered) or _zones_by_lower_name()[lowered]


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


_TOKEN = re.compile(r'(?:[^ \t\r\n"]|"[^"]*")+')
"""A shell word with double quotes only, no escapes: what `shlex` splits with those settings,
matched in one pass (the lexer read a character at a time, on every logged call)."""


def tokenize(text: str, example: str = 'next:"thu 8am"') -> list[str]:
    """Split like a shell, but only on double quotes and word-initial single quotes.

    `example` shows a correctly closed quote in the error, in the command's own terms.
    """
    normalized = _SINGLE_QUOTED.sub(r'"\1"', text.translate(_SMART_QUOTES))
    if normalized.count('"') % 2:
        raise GrammarError(
            f"There's an unmatched quote in “{text.strip()}”. Close it, e.g. {example}."
        )
    words = (word.replace('"', "") for word in _TOKEN.findall(normalized))
    return [word for word in words if word]


def phone_option(key: str, first: str, rest: list[str]) -> tuple[str, str, int]:
    """Read a phone that may run over several tokens ("+1 312 555 0100").

    Takes the longest run of digit-like tokens that is a valid number, so digits in the
    notes right after it stay notes. Returns (shown text, E.164, tokens consumed).
    """
    pieces = [first]
    for token in rest:
        if not _PHONE_PIECE.fullmatch(token):
            break
        pieces.append(token)
    for used in range(len(pieces) - 1, -1, -1):
        candidate = " ".join(pieces[: used + 1])
        try:
            return f"{key}:{candidate}", normalize_phone(candidate), used
        except PhoneError:
            continue
    raise GrammarError(
        f"{key}: “{' '.join(pieces)}” is not a phone number I can dial."
        f" Write the full number with area code, e.g. {OPTION_EXAMPLES[key]}."
    )


def _deal_value_option(value: str, token: str) -> int:
    try:
        return parse_deal_value(value)
    except DealValueError as problem:
        raise GrammarError(
            f"“{token}” {problem.problem}. Write the deal value like value:$12k, value:12,000,"
            " value:£20k or value:$1.5m."
        ) from None


def _text_option(key: str, value: str, token: str) -> str:
    if key == "email":
        return email_address(value, token)
    if key == "tz":
        try:
            return resolve_tz(value)
        except KeyError:
            raise GrammarError(
                f"I don't know the time zone in “{token}”. Use a name like"
                " tz:America/Chicago, or ET, CT, MT, PT."
            ) from None
    if key in ("company", "ref"):
        refuse_longer_than(key, value, MAX_TEXT)
    return value


def refuse_longer_than(key: str, value: str, limit: int) -> None:
    """The same refusal, naming the option, wherever a short text option is typed."""
    if len(value) > limit:
        raise GrammarError(f"{key}: “{value[:40]}…” is longer than {limit} characters.")


def refuse_unstorable(text: str) -> None:
    """Every command's text is checked whole, so no option or note can carry a character we
    could not store. Raises GrammarError."""
    if problem := unstorable_text(text, "Your text"):
        raise GrammarError(f"{problem} Nothing was saved.")


def email_address(value: str, token: str) -> str:
    """Lower-cased address (Slack's <mailto:…> link is undone with the rest of the text)."""
    address = value.lower()
    if len(address) > MAX_EMAIL:
        raise GrammarError(f"email: “{address[:40]}…” is longer than {MAX_EMAIL} characters.")
    if not _EMAIL.fullmatch(address):
        raise GrammarError(f"“{token}” doesn't look like an email address, e.g. jane@acme.com.")
    return address
