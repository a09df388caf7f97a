"""`/prospect phone`: which phone system, and an optional token, nothing else."""

from __future__ import annotations

import pytest

from bot.grammar.logcall import GrammarError
from bot.grammar.prospect import ConnectPhone, parse_prospect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone", ConnectPhone()),
        ("phone aircall", ConnectPhone("aircall")),
        ("phone Twilio token:abc123", ConnectPhone("twilio", "abc123")),
        ("PHONE aircall TOKEN:Ab-9", ConnectPhone("aircall", "Ab-9")),
    ],
)
def test_reads(text: str, expected: ConnectPhone) -> None:
    assert parse_prospect(text) == expected


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("phone dialpad", "“dialpad” isn't a phone system"),
        ("phone aircall abc", "“abc”"),
        ("phone aircall token:a token:b", "“token:b”"),
        ("phone aircall token:", "empty"),
        ("phone aircall token:" + "x" * 201, "longer than 200"),
    ],
)
def test_refuses(text: str, quoted: str) -> None:
    with pytest.raises(GrammarError) as refused:
        parse_prospect(text)
    assert quoted in refused.value.message
