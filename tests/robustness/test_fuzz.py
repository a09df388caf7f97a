"""Fuzzing the slash-command grammars: no input may crash a listener or write when rejected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import ids
from bot.app import SOMETHING_WENT_WRONG
from bot.grammar import GrammarError, parse_logcall
from bot.slack_standin import SlackStandIn
from storage.db import make_engine, upgrade
from storage.models import Base
from tests.slack import MONDAY_MORNING, Clock, SlackHarness

WORDS = [
    "Jane",
    "Doe",
    "vm",
    "connected",
    "inbound",
    "callback",
    "wrong",
    "dnc",
    "won",
    "help",
    "phone:",
    "phone:+1",
    "312",
    "555",
    "0100",
    "value:$12k",
    "value:",
    "value:-5",
    "tz:Mars/X",
    'next:"thu 8am"',
    "next:yesterday",
    "next:",
    "email:a@b",
    "ref:",
    '"',
    "“",
    "”",
    "'",
    "<!channel>",
    "&",
    "now",
    "time",
    "25:99",
    "07:30",
    "pause",
    "resume",
    "facts",
    "add",
    "remove",
    "0",
    "-1",
    "99999999999999999999",
    "check",
    "profile",
    "screener",
    "email",
    "\\",
    "\n",
    "\t",
    " ",
]
LINES = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=10).map(" ".join),
)
FUZZED_COMMANDS = [ids.LOGCALL, ids.VMSCRIPT, ids.DIGEST]


@given(LINES)
def test_logcall_grammar_only_ever_raises_its_own_error(text: str) -> None:
    try:
        parse_logcall(text)
    except GrammarError as error:
        assert error.message


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackHarness]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    upgrade(engine)
    with SlackStandIn() as standin:
        yield SlackHarness(engine, standin, Clock(MONDAY_MORNING))
    engine.dispose()


def row_counts(harness: SlackHarness) -> dict[str, int]:
    with harness.session_factory() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("command", FUZZED_COMMANDS)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=LINES)
def test_any_line_gets_a_reply_and_a_rejected_one_writes_nothing(
    harness: SlackHarness, command: str, text: str
) -> None:
    before = row_counts(harness)
    reply = harness.command(command, text)
    assert reply.status == 200
    assert SOMETHING_WENT_WRONG not in reply.body
    if reply.body and ":warning:" in reply.body:
        assert row_counts(harness) == before
