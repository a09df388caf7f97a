"""Invisible formatting characters in names are refused, saying which and where; the joiners
some scripts and emoji need are kept."""

from __future__ import annotations

import pytest

from bot.grammar.logcall import GrammarError, parse_logcall
from bot.grammar.prospect import parse_prospect
from bot.grammar.stored_text import hidden_in_name


@pytest.mark.parametrize(
    "character",
    ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u200b", "\u2060", "\ufeff"],
)
def test_each_bidi_or_zero_width_character_is_named(character: str) -> None:
    problem = hidden_in_name(f"Jane{character} Doe")
    assert problem is not None
    assert f"(U+{ord(character):04X}) after “Jane”" in problem


@pytest.mark.parametrize(
    "name", ["Jane Doe", "مهرناز\u200cاحمدی", "क्\u200dष", "Zoë 👩\u200d💻", "O'Brien-Smith"]
)
def test_names_that_only_look_plain_pass(name: str) -> None:
    assert hidden_in_name(name) is None


def test_the_one_line_commands_refuse_them() -> None:
    with pytest.raises(GrammarError, match="U\\+202E"):
        parse_logcall("Jane \u202eeoD vm")
    with pytest.raises(GrammarError, match="U\\+200B"):
        parse_prospect("add Jane\u200bDoe")
    # Notes may hold them: they are storable text, only names must read as they show.
    assert parse_logcall("Jane Doe vm said \u202ehi").notes == "said \u202ehi"
