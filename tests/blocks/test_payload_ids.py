"""Ids read back from button values and private_metadata: only ones we could have sent."""

from __future__ import annotations

import pytest

from bot.blocks.payload_ids import MAX_ROW_ID, read_row_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ROW_ID), MAX_ROW_ID),
        (str(MAX_ROW_ID + 1), None),
        ("9" * 30, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        (" 1", None),
        ("1 OR 1=1", None),
        ("", None),
        (None, None),
        (7, None),
    ],
)
def test_only_ascii_digits_naming_a_possible_row_are_ids(
    text: object, expected: int | None
) -> None:
    assert read_row_id(text) == expected
