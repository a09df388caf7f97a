"""`/prospect erase NAME` and `/prospect export` as typed."""

from __future__ import annotations

import pytest

from bot.grammar.logcall import GrammarError
from bot.grammar.prospect import USAGE, EraseProspect, ExportWorkspace, parse_prospect


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("erase Jane Doe", EraseProspect("Jane Doe")),
        ('ERASE "Jane  Doe"', EraseProspect("Jane  Doe")),
        ("export", ExportWorkspace()),
        (" Export ", ExportWorkspace()),
    ],
)
def test_erase_and_export_read(typed: str, read: object) -> None:
    assert parse_prospect(typed) == read


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("erase", r"Whose\? Put the prospect.s name after erase"),
        ("erase " + "x" * 201, "longer than"),
        ("export T1", "/prospect export takes nothing after it."),
    ],
)
def test_erase_and_export_refuse_what_they_cannot_read(typed: str, problem: str) -> None:
    with pytest.raises(GrammarError, match=problem):
        parse_prospect(typed)


def test_usage_names_both() -> None:
    assert "/prospect erase Jane Doe" in USAGE and "/prospect export" in USAGE
