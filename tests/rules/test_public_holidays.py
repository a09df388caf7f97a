"""Public holidays: windows skip the days the prospect's country is off, and only those."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.insights.rates import TeamDials
from bot.insights.window_advice import WindowAdvisor
from bot.rules.calls import Prospect
from bot.rules.public_holidays import closed_days
from bot.rules.windows import next_call_window, windows_on

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
THANKSGIVING = date(2026, 11, 26)
WEDNESDAY_EVENING = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 7 p.m. Wednesday in New York


def prospect(phone: str | None = None, cell: str | None = None) -> Prospect:
    return Prospect(id=1, name="Jane Doe", phone=phone, cell=cell)


def test_a_us_prospect_is_off_on_thanksgiving_and_not_the_day_after() -> None:
    closed = closed_days(prospect("+12125550143"))
    assert THANKSGIVING in closed
    assert date(2026, 11, 27) not in closed
    assert windows_on(THANKSGIVING, NEW_YORK, closed=closed) == []
    assert len(windows_on(date(2026, 11, 27), NEW_YORK, closed=closed)) == 3


def test_the_next_window_after_wednesday_evening_skips_thanksgiving_for_us_numbers_only() -> None:
    us = next_call_window(NEW_YORK, WEDNESDAY_EVENING, closed=closed_days(prospect("+12125550143")))
    assert us.start == datetime(2026, 11, 27, 7, 0, tzinfo=NEW_YORK)
    german = closed_days(prospect("+49 30 901820"))
    assert next_call_window(BERLIN, WEDNESDAY_EVENING, closed=german).start.date() == THANKSGIVING


def test_a_german_prospect_is_off_on_christmas_and_the_second_day() -> None:
    closed = closed_days(prospect(cell="+49 151 23456789"))
    assert date(2026, 12, 25) in closed and date(2026, 12, 26) in closed
    christmas_eve = datetime(2026, 12, 24, 19, 0, tzinfo=BERLIN)
    assert next_call_window(BERLIN, christmas_eve, closed=closed).start.date() == date(2026, 12, 28)


def test_a_prospect_without_a_usable_number_keeps_every_weekday() -> None:
    for unknown in (prospect(), prospect("not a number"), prospect("+888 1234 5678")):
        assert THANKSGIVING not in closed_days(unknown)


def test_the_advisor_offers_the_first_working_day_after_a_long_break() -> None:
    # Russia's New Year break runs through the first week of January; which day it ends on is
    # the holidays package's data, so the rule is checked, not one year's date.
    closed = closed_days(prospect("+7 495 123 4567"))
    moscow = ZoneInfo("Europe/Moscow")
    new_years_eve = datetime(2026, 12, 31, 20, 0, tzinfo=moscow)
    advised = WindowAdvisor(TeamDials()).advise(
        moscow, "Europe/Moscow", new_years_eve, closed=closed
    )
    assert advised is not None
    first = advised.window.start.date()
    assert first > date(2027, 1, 7) and first not in closed and first.weekday() < 5
    skipped = (date(2027, 1, 1) + timedelta(days=n) for n in range((first - date(2027, 1, 1)).days))
    assert all(day in closed or day.weekday() >= 5 for day in skipped)
