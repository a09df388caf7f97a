"""Row ids that come back through Slack: button values, option values, private_metadata.

Anyone can replay a payload with any text in place of an id, so an id is read strictly:
ASCII digits naming a row that can exist. Unicode digits ("²", "١٢") and numbers past the
id column's range are no id at all, so they are refused like any id the rep does not own.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_ROW_ID = 2**31 - 1
"""Ids are INTEGER columns, 32-bit on PostgreSQL: a larger number names no row."""


def read_row_id(text: object) -> int | None:
    """The id in `text`, or None when it is not one we could have sent."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    row_id = int(text)
    return row_id if 0 < row_id <= MAX_ROW_ID else None


def read_kinded_row_id(text: object, kinds: Iterable[str]) -> tuple[str, int] | None:
    """(kind, id) from a value like "fu:12" that names a kind of row and its id; the id read
    by `read_row_id`, so "fu:²" or "fu:9999999999" is refused, not an error."""
    if not isinstance(text, str):
        return None
    kind, _, raw_id = text.partition(":")
    row_id = read_row_id(raw_id)
    return (kind, row_id) if kind in kinds and row_id is not None else None
