"""Times read as the driver hands them over, for reads that turn thousands of rows into
objects (the digest's: hundreds of prospects and calls per rep, each with a few times).

`UTCDateTime` makes a Python call per value to hand back an aware UTC datetime. PostgreSQL's
driver hands back aware datetimes already (on the session's clock, which only printing
would tell apart, and every rule converts to a zone before reading a day), so there the
call is skipped; SQLite's values are naive text and go through `UTCDateTime` as ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Dialect, type_coerce

from storage.models import UTCDateTime


class DriverUTCDateTime(UTCDateTime):
    """`UTCDateTime`, read without a call per value on PostgreSQL. Used with `type_coerce`
    in a select, never as a column's type."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)


def driver_times(columns: Iterable[Any]) -> list[Any]:
    """`columns` with each `UTCDateTime` one read as `DriverUTCDateTime`, under its name."""
    return [
        type_coerce(column, DriverUTCDateTime()).label(column.key)
        if isinstance(column.type, UTCDateTime)
        else column
        for column in columns
    ]
