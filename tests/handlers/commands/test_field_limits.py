"""Each short text option has its column's width as its limit, on every command: a value
exactly at the limit is stored whole, one character more is refused naming the option, and
nothing is stored. On SQLite (which would store 5,000 characters in a 254 column) and on
PostgreSQL (which would refuse them with a generic message)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import ids
from bot.grammar.logcall import MAX_EMAIL, MAX_NAME, MAX_NOTES, MAX_TEXT
from storage.models import CallLogRow, ProspectRow, RepRow
from tests.slack import SlackHarness

# 64 + 1 + 189 = 254 characters, every label within DNS's 63.
EMAIL_AT_LIMIT = "a" * 64 + "@" + "b" * 61 + "." + "c" * 61 + "." + "d" * 61 + ".com"
EMAIL_OVER = "a" + EMAIL_AT_LIMIT
TEXT_AT_LIMIT = "x" * MAX_TEXT
TEXT_OVER = TEXT_AT_LIMIT + "y"

CASES = [
    (ids.LOGCALL, "Jane Doe vm email:{}", "email", ProspectRow.email),
    (ids.LOGCALL, "Jane Doe vm company:{}", "company", ProspectRow.company),
    (ids.LOGCALL, "Jane Doe vm ref:{}", "ref", ProspectRow.referrer),
    (ids.PROSPECT, "add Jane Doe email:{}", "email", ProspectRow.email),
    (ids.PROSPECT, "add Jane Doe company:{}", "company", ProspectRow.company),
    (ids.PROSPECT, "add Jane Doe ref:{}", "ref", ProspectRow.referrer),
    (ids.VMSCRIPT, "profile email:{}", "email", RepRow.email),
    (ids.VMSCRIPT, "profile company:{}", "company", RepRow.company),
]


def at_limit(option: str) -> str:
    return EMAIL_AT_LIMIT if option == "email" else TEXT_AT_LIMIT


def over(option: str) -> str:
    return EMAIL_OVER if option == "email" else TEXT_OVER


def test_the_limits_are_the_columns_widths() -> None:
    assert (
        len(EMAIL_AT_LIMIT)
        == MAX_EMAIL
        == ProspectRow.email.type.length
        == RepRow.email.type.length
    )
    assert MAX_TEXT == ProspectRow.company.type.length == ProspectRow.referrer.type.length
    assert RepRow.company.type.length == MAX_TEXT


@pytest.mark.parametrize(("command", "template", "option", "column"), CASES)
def test_a_value_exactly_at_the_limit_is_stored_whole(
    slack: SlackHarness, command: str, template: str, option: str, column: object
) -> None:
    reply = slack.command(command, template.format(at_limit(option)))
    assert "longer than" not in reply.text
    with slack.session_factory() as session:
        assert session.scalars(select(column)).all() == [at_limit(option)]  # type: ignore[call-overload]


@pytest.mark.parametrize(("command", "template", "option", "column"), CASES)
def test_one_character_over_is_refused_naming_the_option_and_nothing_is_stored(
    slack: SlackHarness, command: str, template: str, option: str, column: object
) -> None:
    reply = slack.command(command, template.format(over(option)))
    assert f"{option}: “" in reply.text
    limit = MAX_EMAIL if option == "email" else MAX_TEXT
    assert f"longer than {limit} characters" in reply.text
    with slack.session_factory() as session:
        for model in (ProspectRow, CallLogRow, RepRow):
            assert session.scalars(select(model)).all() == []


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (ids.LOGCALL, "Jane \u202eeoD vm"),
        (ids.PROSPECT, "add Jane\u200bDoe phone:+1 312 555 0100"),
        (ids.VMSCRIPT, 'profile name:"Sam\u2066 Lee"'),
    ],
)
def test_a_name_with_an_invisible_formatting_character_is_refused_and_nothing_is_stored(
    slack: SlackHarness, command: str, text: str
) -> None:
    reply = slack.command(command, text)
    assert "invisible formatting character" in reply.text
    with slack.session_factory() as session:
        for model in (ProspectRow, CallLogRow, RepRow):
            assert session.scalars(select(model)).all() == []


@pytest.mark.parametrize(
    ("template", "limit", "column"),
    [
        ('"{}" vm', MAX_NAME, ProspectRow.name),
        ("Jane Doe vm {}", MAX_NOTES, CallLogRow.notes),
    ],
)
def test_a_name_and_notes_at_their_limit_are_stored_and_one_over_is_refused(
    slack: SlackHarness, template: str, limit: int, column: object
) -> None:
    over = slack.command(ids.LOGCALL, template.format("n" * (limit + 1)))
    assert f"longer than {limit} characters" in over.text
    with slack.session_factory() as session:
        assert session.scalars(select(column)).all() == []  # type: ignore[call-overload]
    at = slack.command(ids.LOGCALL, template.format("n" * limit))
    assert "longer than" not in at.text
    with slack.session_factory() as session:
        assert session.scalars(select(column)).all() == ["n" * limit]  # type: ignore[call-overload]
