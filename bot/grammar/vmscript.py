"""The `/vmscript` line: which draft the rep wants, or which part of their profile to change.

    /vmscript Jane Doe [voicemail|screener|email|wrong|misdial]
    /vmscript wrong | misdial
    /vmscript profile phone:+1 312 555 0100 cell:... email:... company:... benefit:"..."
    /vmscript facts add "we cut no-shows 30% for clinics" | facts list | facts remove 2
    /vmscript check <script>

Quotes, phones and emails are read exactly as /logcall reads them, so a rep learns one
way of typing. Errors quote the words that were not understood.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.drafts.scripts import DraftKind
from bot.grammar.logcall import (
    MAX_NAME,
    OPTION_EXAMPLES,
    GrammarError,
    email_address,
    phone_option,
    refuse_unstorable,
    tokenize,
)
from bot.grammar.stored_text import hidden_in_name
from bot.rules.proposals import DeskHoursError, parse_desk_hours

# A "commercial" is one short fact a listener can take in; the list reply must fit one
# Slack section, and a dozen facts already cover four months of the voicemail cadence.
MAX_FACT_CHARS = 200
MAX_FACTS = 12
# The benefit is a single line read into a voicemail, not a pitch deck.
MAX_BENEFIT_CHARS = 200
# The reps table's widths for these columns.
MAX_PROFILE_TEXT = 200
# Slack slash command text is at most 4,000 characters anyway; this keeps lint replies short.
MAX_CHECK_CHARS = 3000

KIND_WORDS: dict[str, DraftKind] = {kind.value: kind for kind in DraftKind} | {
    "vm": DraftKind.VOICEMAIL,
    "gatekeeper": DraftKind.SCREENER,
    "e-mail": DraftKind.EMAIL,
}
PROFILE_EXAMPLES: dict[str, str] = {
    "name": 'name:"Sam Lee"',
    "company": 'company:"Acme Dialer"',
    "phone": OPTION_EXAMPLES["phone"],
    "cell": OPTION_EXAMPLES["cell"],
    "email": "email:sam@acmedialer.com",
    "benefit": 'benefit:"we help sales teams book 20% more meetings"',
    "hours": 'hours:"9-12"',
    "day": 'day:"7-19"',
    "partners": 'partners:"Acme Audit, Beta Books"',
}
_QUOTE_EXAMPLE = PROFILE_EXAMPLES["benefit"]

USAGE = f"""\
Draft what to say: /vmscript <prospect> [voicemail|screener|email|wrong|misdial]
  e.g. /vmscript Jane Doe · /vmscript Jane Doe screener
  /vmscript wrong: a caller dialled you by mistake
  /vmscript Jane Doe misdial: you dialled a stranger while trying Jane
Your details: /vmscript profile {" ".join(PROFILE_EXAMPLES.values())}
  /vmscript profile alone opens a form with your details.
Your commercials, one new fact per voicemail:
  /vmscript facts add "we cut no-shows 30% for clinics" · facts list · facts remove 2
Lint your own script: /vmscript check <text>"""


@dataclass(frozen=True)
class DraftRequest:
    """A draft for one of the rep's prospects; `prospect_name` is None only for `wrong` and
    `misdial` (a stranger either way).

    `kind_given` tells an explicit `voicemail` from the default, because only the default
    gives way to an email once the cadence says calls are not getting through.
    """

    prospect_name: str | None
    kind: DraftKind
    kind_given: bool


@dataclass(frozen=True)
class ProfileRequest:
    """Profile fields to change; None leaves a field as it is. All None opens the form."""

    name: str | None = None
    company: str | None = None
    phone: str | None = None
    cell: str | None = None
    email: str | None = None
    benefit: str | None = None
    desk_hours: str | None = None
    """Stored form, "09:00-12:00"."""
    partners: str | None = None
    working_day: str | None = None
    """When the rep makes calls, stored like desk hours; proposals keep inside it."""

    def changes(self) -> dict[str, str]:
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name))}


@dataclass(frozen=True)
class AddFact:
    text: str


@dataclass(frozen=True)
class ListFacts:
    """Show the rep's commercials numbered, the numbers `facts remove` takes."""


@dataclass(frozen=True)
class RemoveFact:
    """`number` is the one `facts list` shows, counted from 1."""

    number: int


@dataclass(frozen=True)
class CheckScript:
    text: str


@dataclass(frozen=True)
class ShowHelp:
    """Print the usage: reps type `help` after any command."""


VmscriptRequest = (
    DraftRequest | ProfileRequest | AddFact | ListFacts | RemoveFact | CheckScript | ShowHelp
)


def parse_vmscript(text: str) -> VmscriptRequest:
    """Read the text after `/vmscript`, as the rep typed it (see `slack_text.decode`).
    Raises GrammarError with a message for the rep.

    The first word picks a subcommand only when typed bare: a prospect whose name starts
    with one ("Check Smith") is reached by quoting the name.
    """
    refuse_unstorable(text)
    stripped = text.strip()
    head, _, rest = stripped.partition(" ")
    rest = rest.strip()
    match head.casefold():
        case "" | "help":
            return ShowHelp()
        case "profile":
            return _profile(rest)
        case "facts":
            return _facts(rest)
        case "check":
            return _check(rest)
    return _draft(stripped)


def _draft(text: str) -> DraftRequest:
    tokens = tokenize(text, '"Jane Doe" screener')
    kind: DraftKind | None = None
    if tokens and (word := tokens[-1].casefold()) in KIND_WORDS:
        kind = KIND_WORDS[word]
        tokens = tokens[:-1]
    stray = [t for t in tokens if t.casefold() in KIND_WORDS]
    if stray:
        raise GrammarError(
            f"“{stray[0]}” in “{text}” reads as a kind of draft, but it isn't last. Put the"
            f' kind after the name, or quote a name that contains it: "{" ".join(tokens)}".'
        )
    name = " ".join(tokens)
    if len(name) > MAX_NAME:
        raise GrammarError(f"The name “{name[:40]}…” is longer than {MAX_NAME} characters.")
    if not name and kind not in (DraftKind.WRONG, DraftKind.MISDIAL):
        example = f"/vmscript Jane Doe {kind.value}" if kind else "/vmscript Jane Doe"
        raise GrammarError(f"Who is it for? Put the prospect's name first, e.g. {example}.")
    return DraftRequest(name or None, kind or DraftKind.VOICEMAIL, kind is not None)


def _profile(text: str) -> ProfileRequest:
    tokens = tokenize(text, _QUOTE_EXAMPLE)
    values: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, colon, value = token.partition(":")
        key = key.casefold()
        if not colon or key not in PROFILE_EXAMPLES:
            raise GrammarError(
                f"I don't know “{token}” in a profile. Use key:value options:"
                f" {', '.join(PROFILE_EXAMPLES.values())}."
            )
        if key in values or _STORED.get(key) in values:
            raise GrammarError(f"You gave {key}: twice. Keep one.")
        value = value.strip()
        if not value:
            raise GrammarError(
                f"“{token}” has no value. Write it right after the colon,"
                f" e.g. {PROFILE_EXAMPLES[key]}."
            )
        if key in ("phone", "cell"):
            _, values[key], used = phone_option(key, value, tokens[i + 1 :])
            i += used
        elif key == "email":
            values[key] = email_address(value, token)
        elif key in _STORED:
            values[_STORED[key]] = desk_hours_option(value)
        else:
            limit = MAX_BENEFIT_CHARS if key == "benefit" else MAX_PROFILE_TEXT
            if key == "name" and (problem := hidden_in_name(value, "name:")):
                raise GrammarError(f"{problem} Nothing was saved.")
            if len(value) > limit:
                raise GrammarError(f"{key}: “{value[:40]}…” is longer than {limit} characters.")
            values[key] = value
        i += 1
    return ProfileRequest(**values)


_STORED = {"hours": "desk_hours", "day": "working_day"}
"""Profile options typed under one name and kept under another."""


def desk_hours_option(value: str) -> str:
    """The stored form of the rep's desk hours ("9-12" -> "09:00-12:00")."""
    try:
        return parse_desk_hours(value).stored()
    except DeskHoursError as problem:
        raise GrammarError(problem.message) from None


def _facts(text: str) -> AddFact | ListFacts | RemoveFact:
    action, _, rest = text.partition(" ")
    match action.casefold():
        case "" | "list":
            if rest.strip():
                raise GrammarError(f"“facts list” takes nothing after it, not “{rest.strip()}”.")
            return ListFacts()
        case "add":
            fact = " ".join(tokenize(rest, '"we cut no-shows 30% for clinics"'))
            if not fact:
                raise GrammarError(
                    'Say the fact after add, e.g. /vmscript facts add "we cut no-shows 30%".'
                )
            if len(fact) > MAX_FACT_CHARS:
                raise GrammarError(
                    f"The fact “{fact[:40]}…” is longer than {MAX_FACT_CHARS} characters;"
                    " a voicemail has room for one short fact."
                )
            return AddFact(fact)
        case "remove":
            number = rest.strip()
            if not number.isdecimal() or int(number) < 1:
                raise GrammarError(
                    f"“{number or 'nothing'}” after facts remove isn't a fact number."
                    " Use the number facts list shows, e.g. /vmscript facts remove 2."
                )
            return RemoveFact(int(number))
    raise GrammarError(f"“facts {action}” isn't something I can do. Use facts add, list or remove.")


def _check(text: str) -> CheckScript:
    if not text:
        raise GrammarError("Paste the script after check, e.g. /vmscript check Hi Jane, this is…")
    if len(text) > MAX_CHECK_CHARS:
        raise GrammarError(
            f"The script “{text[:40]}…” is longer than {MAX_CHECK_CHARS} characters;"
            " a voicemail is about 75 words."
        )
    return CheckScript(text)
