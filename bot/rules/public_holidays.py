"""Days nobody is at the office: a prospect's public holidays, told by their phone's country.

A call on Thanksgiving reaches voicemail at best, and a voicemail proposing Christmas morning
reads as careless, so call windows skip the national public holidays of the prospect's country.
The country comes from the phone number (phonenumbers); regional holidays (a US state's, a
German Land's) can't be told from a number and are not skipped.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from functools import cache, lru_cache

import holidays
import phonenumbers

from bot.rules.calls import Prospect, Rep

YEARS = range(2020, 2041)
"""Calendars are built whole for these years, once per country, so lookups from many threads
only read; a date outside them counts as a working day."""

NO_HOLIDAYS: Container[date] = frozenset()


def closed_days(prospect: Prospect) -> Container[date]:
    """The public holidays of the country of the prospect's phone (or cell)."""
    return _holidays_of(prospect.phone, prospect.cell)


def rep_closed_days(rep: Rep) -> Container[date]:
    """The rep's own public holidays, told by their profile's phone: nobody proposes a call
    on a day they are off themselves."""
    return _holidays_of(rep.phone, rep.cell)


def _holidays_of(*numbers: str | None) -> Container[date]:
    for number in numbers:
        region = _region(number)
        if region is not None:
            return _calendar(region)
    return NO_HOLIDAYS


@lru_cache(maxsize=65536)
def _region(number: str | None) -> str | None:
    """Kept per number: a digest asks for every prospect's, and parsing is the slow part
    (reps' prospects share area codes and switchboards, so the cache stays small)."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(parsed)


@cache
def _calendar(region: str) -> Container[date]:
    try:
        return holidays.country_holidays(region, years=YEARS, expand=False)
    except NotImplementedError:
        return NO_HOLIDAYS
