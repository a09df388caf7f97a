"""Characters no database stores alike, or nobody can see, are refused with where they are."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.grammar.csv_rows import RowError, map_headers, read_row
from bot.grammar.logcall import GrammarError, parse_logcall
from bot.grammar.prospect import parse_prospect
from bot.grammar.stored_text import unstorable_text
from bot.grammar.vmscript import parse_vmscript


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("Tom\x00Jerry", "U+0000", "after “Tom”"),
        ("\x1bx", "U+001B", "at the start"),
        ("a\x7f", "U+007F", "after “a”"),
        ("a\x85", "U+0085", "after “a”"),
        ("Jo\ud800", "U+D800", "after “Jo”"),
        ("x" * 30 + "\x00", "U+0000", "after “…" + "x" * 20 + "”"),
    ],
)
def test_a_refused_character_is_named_and_located(text: str, code: str, where: str) -> None:
    problem = unstorable_text(text, "The name")
    assert problem is not None
    assert problem.startswith("The name has a ")
    assert code in problem and where in problem


def test_tabs_and_line_breaks_are_text() -> None:
    assert unstorable_text("line one\r\nline\ttwo\nthree ß ﬃ 😀", "The note") is None


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_logcall, "Jane\x00 Doe vm"),
        (parse_logcall, "Jane Doe vm left a msg\x00"),
        (parse_logcall, 'Jane Doe vm company:"Acme\x01"'),
        (parse_prospect, "add Jane\x00Doe"),
        (parse_prospect, 'add Jane note:"hi\x1f"'),
        (parse_vmscript, 'profile benefit:"fast\x00"'),
        (parse_vmscript, "facts add we are quick\x00"),
        (parse_vmscript, "Jane\ud800 Doe"),
    ],
)
def test_every_grammar_refuses_them_wherever_they_are(
    parse: Callable[[str], object], text: str
) -> None:
    with pytest.raises(GrammarError, match=r"control character|broken character") as raised:
        parse(text)
    assert "Nothing was saved" in raised.value.message


def test_an_import_row_is_refused_naming_the_column() -> None:
    columns = map_headers(["Name", "Company", "Lead Source"])
    with pytest.raises(RowError, match=r"^The company has a control character \(U\+0000\)"):
        read_row(["Jane Doe", "Acme\x00", ""], columns)
    # A column the import does not use is not stored, so it is not refused.
    assert read_row(["Jane Doe", "Acme", "\x00"], columns).name == "Jane Doe"
