"""Fuzzing the slash-command grammars: no input may crash a parser or a listener, and a
rejected line writes nothing.

The parsers are fuzzed directly (only their own documented error may escape), then every
command in `ids.COMMANDS` is fuzzed through the signed Bolt app with words drawn from its
own subcommands and options, so the fuzz reaches past the first word.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import ids
from bot.grammar.csv_rows import HeaderError, RowError, map_headers, read_row
from bot.grammar.logcall import MAX_DEAL_VALUE, GrammarError, parse_logcall
from bot.grammar.prospect import parse_prospect
from bot.grammar.vmscript import parse_vmscript
from bot.rules.dates import DateError, resolve_when
from bot.rules.schedule import ScheduleError, parse_digest_command
from tests.robustness.fuzzing import FUZZ, NASTY, FuzzWorkspace
from tests.slack import MONDAY_MORNING


def words(text: str) -> list[str]:
    return text.split()


# Words every grammar shares: names, quotes of every kind, Slack's escapes.
COMMON = [
    "Jane",
    "Doe",
    '"Jane Doe"',
    "Bob",
    "Roe",
    "help",
    '"',
    "“",
    "”",
    "'",
    "<!channel>",
    "<@U2>",
    "&",
    "\\",
    "\n",
    "\t",
    " ",
    "0",
    "-1",
    "²",
    "99999999999999999999",
]
LOGCALL_WORDS = [
    *words("connected vm noanswer gatekeeper wrong callback inbound meeting email"),
    *words("notinterested won lost dnc HCB SCB voicemail"),
    *words("phone: phone:+1 312 555 0100 cell:+44 20 7946 0958 phone:+999"),
    *words("value: value:$12k value:-5 value:1.5m value:99999999999999999999 value:$9999999m"),
    *words("email:a@b email:<mailto:a@b.co|a@b.co> company: ref: tz: tz:Mars/X tz:CT"),
    'company:"Acme Corp"',
    'next:"thu 8am"',
    "next:yesterday",
    "next:",
    'next:"12/31/9999 11pm"',
    'next:"in 99999 days"',
    'next:"1/1/1 1am"',
    "next:tomorrow",
    "/logcall",
]
VMSCRIPT_WORDS = [
    *words("voicemail screener email wrong profile facts add list remove check"),
    *words("phone:+1 312 555 0100 cell: email:a@b.co email:x name: company:Acme"),
    'benefit:"we help sales teams book 20% more meetings"',
    'add "we cut no-shows 30%"',
    "remove 99999999999999999999",
    "remove ١",
    "x" * 210,
]
PROSPECT_WORDS = [
    *words("add edit show list snooze delete remove until off none clear cancel"),
    *words("due owed laidoff laid-off active won lost wrong dnc all ni not-interested"),
    *words("1d 3d 1w 2w 2 weeks 999d 0d days weeks"),
    *words("phone:+1 312 555 0100 cell: email:bob@acme.com company: value:$12k value:-5"),
    *words("value:99999999999999999999 value:$9999999m tz:CT tz:Mars/X ref: note: foo:bar"),
    'note:"met at the expo"',
    'until "thu 8am"',
    'until "12/31/9999"',
    "until yesterday",
]
DIGEST_WORDS = [
    *words("now time days pause resume empty weekly team learning on off"),
    *words("07:30 25:99 7:5 24:00 00:00 15:00 mon,tue,wed,thu,fri sat,sun mon,,x"),
    *words("<#C123|sales> <#C123> #sales <#G9> <#c1>"),
]
COMMAND_WORDS = {
    ids.LOGCALL: LOGCALL_WORDS,
    ids.VMSCRIPT: VMSCRIPT_WORDS,
    ids.PROSPECT: PROSPECT_WORDS,
    ids.DIGEST: DIGEST_WORDS,
}
assert set(COMMAND_WORDS) == set(ids.COMMANDS), "a new command needs its words here"


def lines(words: list[str], first: list[str] | None = None) -> st.SearchStrategy[str]:
    """Any text, and sentences of the command's own words with fuzz between them."""
    vocabulary = st.sampled_from(words + COMMON)
    sentence = st.lists(st.one_of(vocabulary, vocabulary, st.text(max_size=8)), max_size=10)
    opening = st.sampled_from(first) if first else st.just("")
    return st.one_of(
        st.text(max_size=80),
        st.sampled_from(NASTY),
        st.tuples(opening, sentence).map(lambda parts: " ".join([parts[0], *parts[1]])),
    )


# Subcommands lead, so most lines get past the first word.
VMSCRIPT_HEADS = ["", "profile", "facts", "facts add", "facts remove", "check", "Jane"]
PROSPECT_HEADS = ["add", "edit", "show", "list", "snooze", "delete", "help", "add Jane"]
DIGEST_HEADS = ["", "now", "time", "days", "empty", "weekly", "team", "learning", "pause"]
COMMAND_LINES = {
    ids.LOGCALL: lines(LOGCALL_WORDS, ["Jane Doe", '"Raj Patel"', ""]),
    ids.VMSCRIPT: lines(VMSCRIPT_WORDS, VMSCRIPT_HEADS),
    ids.PROSPECT: lines(PROSPECT_WORDS, PROSPECT_HEADS),
    ids.DIGEST: lines(DIGEST_WORDS, DIGEST_HEADS),
}


# --- the parsers, directly -----------------------------------------------------------------


@settings(FUZZ, max_examples=300)
@given(COMMAND_LINES[ids.LOGCALL])
@example("Jane vm value:99999999999999999999")
def test_logcall_grammar_only_ever_raises_its_own_error(text: str) -> None:
    try:
        request = parse_logcall(text)
    except GrammarError as error:
        assert error.message
        return
    assert request.deal_value is None or 0 <= request.deal_value <= MAX_DEAL_VALUE


@settings(FUZZ, max_examples=300)
@given(COMMAND_LINES[ids.VMSCRIPT])
def test_vmscript_grammar_only_ever_raises_its_own_error(text: str) -> None:
    try:
        parse_vmscript(text)
    except GrammarError as error:
        assert error.message


@settings(FUZZ, max_examples=300)
@given(COMMAND_LINES[ids.PROSPECT])
@example("add Jane value:99999999999999999999")
def test_prospect_grammar_only_ever_raises_its_own_error(text: str) -> None:
    try:
        request = parse_prospect(text)
    except GrammarError as error:
        assert error.message
        return
    deal_value = getattr(request, "deal_value", None)
    assert deal_value is None or 0 <= deal_value <= MAX_DEAL_VALUE


@settings(FUZZ, max_examples=300)
@given(COMMAND_LINES[ids.DIGEST])
def test_digest_grammar_only_ever_raises_its_own_error(text: str) -> None:
    try:
        parse_digest_command(text)
    except ScheduleError as error:
        assert str(error)


FOLLOW_UP_WORDS = [
    *words("thu 8am tomorrow next week in 3 days 12/31/9999 1/1/1 noon 25:00 -05:00 EST"),
    *words("99999 years months days 2026 11pm yesterday monday"),
]


@settings(FUZZ, max_examples=300)
@given(
    text=lines(FOLLOW_UP_WORDS),
    tz=st.sampled_from(["America/Chicago", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]),
)
@example(text="12/31/9999 11pm", tz="Pacific/Kiritimati")
def test_follow_up_dates_only_ever_raise_their_own_error(text: str, tz: str) -> None:
    """`next:` and `snooze … until`: any text resolves to a future moment or a DateError."""
    now = MONDAY_MORNING
    try:
        when = resolve_when(text, now, ZoneInfo(tz))
    except DateError as error:
        assert error.message
        return
    assert when >= now
    when.astimezone(UTC)


CSV_HEADERS = ["name", "First Name", "Last Name", "Company", "Phone", "Mobile", "Email"]
CSV_HEADERS += ["Amount", "Time Zone", "Referred By", "Notes", "", "junk"]
CSV_VALUES = ["Jane Doe", "+1 312 555 0100", "bob@acme.com", "$12k", "CT", "Mars/X", "-5"]
CSV_VALUES += ["99999999999999999999", "x" * 2100, ""]
CELLS = st.one_of(st.sampled_from(CSV_VALUES + NASTY), st.text(max_size=20))


@settings(FUZZ, max_examples=300)
@given(
    headers=st.lists(st.one_of(st.sampled_from(CSV_HEADERS), st.text(max_size=10)), max_size=8),
    rows=st.lists(st.lists(CELLS, max_size=10), min_size=1, max_size=3),
)
def test_csv_rows_only_ever_raise_their_own_errors(
    headers: list[str], rows: list[list[str]]
) -> None:
    try:
        columns = map_headers(headers)
    except HeaderError as error:
        assert error.message
        return
    for row in rows:
        try:
            fields = read_row(row, columns)
        except RowError as error:
            assert error.message
            continue
        assert fields.name
        assert fields.deal_value is None or 0 <= fields.deal_value <= MAX_DEAL_VALUE


# --- every command, through the app -------------------------------------------------------


@pytest.mark.parametrize("command", ids.COMMANDS)
@settings(FUZZ, max_examples=70)
@given(data=st.data())
@example(data=None)
def test_any_line_gets_a_reply_and_a_rejected_one_writes_nothing(
    workspace: FuzzWorkspace, command: str, data: st.DataObject | None
) -> None:
    if data is None:  # deal values past the BIGINT column used to crash the listener
        regressions = {
            ids.LOGCALL: "Jane Doe vm value:99999999999999999999",
            ids.PROSPECT: "add Ann Lee value:$9999999999999m",
            ids.VMSCRIPT: "facts remove 99999999999999999999",
            ids.DIGEST: "team <#C123|sales>",
        }
        text = regressions[command]
    else:
        text = data.draw(COMMAND_LINES[command], label="text")
    seen = workspace.observe(lambda: workspace.slack.command(command, text))
    seen.assert_handled()
    if ":warning:" in seen.reply.body:
        assert not seen.wrote, seen.reply.body
    assert not seen.touched_outside("T1"), (text, seen.touched_outside("T1"))
    workspace.reseed()
