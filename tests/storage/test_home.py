"""The App Home's reads on SQLite and PostgreSQL: the same week Friday's picture counts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.insights.weekly import WeekNumbers
from storage import insights as insights_store
from storage.db import make_session_factory
from storage.home import DigestSettingsRow, home_reads
from storage.models import DraftRow
from storage.scripts import INTRODUCTION
from tests.storage.test_insights import (
    FRIDAY_AFTERNOON,
    add_call,
    add_prospect,
    add_rep,
    counted_selects,
    seed_fortnight,
    utc,
)

CHICAGO = ZoneInfo("America/Chicago")


def ask_introduction(session: Session, team: str, user: str, at: object) -> None:
    session.add(DraftRow(team_id=team, rep_user_id=user, kind=INTRODUCTION, text="", created_at=at))


def seed_referrals(session: Session, team: str) -> None:
    """U1 reaches a referred prospect twice this week and once last; a blank referrer is none."""
    referred = add_prospect(session, team, "U1", "America/Denver")
    referred.referrer = "Sam at Acme"
    blank = add_prospect(session, team, "U1", None)
    blank.referrer = ""
    add_call(session, referred, "connected", utc(2026, 11, 17, 17))
    add_call(session, referred, "meeting", utc(2026, 11, 19, 17))
    add_call(session, referred, "vm", utc(2026, 11, 19, 18))
    add_call(session, referred, "connected", utc(2026, 11, 12, 17))
    add_call(session, blank, "connected", utc(2026, 11, 18, 17))
    ask_introduction(session, team, "U1", utc(2026, 11, 18, 18))
    ask_introduction(session, team, "U1", utc(2026, 11, 10, 18))
    ask_introduction(session, team, "U1", utc(2026, 11, 13, 22))  # after last week's point


def test_the_homes_week_is_fridays_week_in_one_statement(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        for team in ("TA", "TB"):
            seed_fortnight(session, team)
            seed_referrals(session, team)
        add_rep(session, "TA", "U3")
        add_call(session, add_prospect(session, "TA", "U3", None), "meeting", utc(2026, 11, 19, 15))
    with make_session_factory(engine)() as session, counted_selects(engine) as selects:
        reads = home_reads(session, "TA", "U1", CHICAGO, FRIDAY_AFTERNOON)
    with make_session_factory(engine)() as session:
        friday = insights_store.week_reports(session, "TA", FRIDAY_AFTERNOON)["U1"]

    assert len(selects) == 1
    assert reads.week.week_start == friday.week_start
    assert reads.week.this_week == friday.this_week
    assert reads.week.last_week == friday.last_week
    # Spelled out, so both counts cannot drift the same wrong way together.
    assert reads.week.this_week == WeekNumbers(
        dials=8,
        connects=5,
        voicemails=2,
        meetings=2,
        return_calls_in_time=1,
        introductions_asked=1,
        referrals_reached=2,
    )
    assert reads.week.last_week.referrals_reached == 1
    assert reads.week.last_week.introductions_asked == 1


def test_a_rep_without_a_row_reads_a_week_of_zeros_and_the_default_settings(
    engine: Engine,
) -> None:
    with make_session_factory(engine).begin() as session:
        seed_fortnight(session, "T1")
    with make_session_factory(engine)() as session:
        unknown = home_reads(session, "T1", "U9", CHICAGO, FRIDAY_AFTERNOON)
        quiet = home_reads(session, "T1", "U2", CHICAGO, FRIDAY_AFTERNOON)
    assert unknown.digest is None
    assert unknown.week.this_week == unknown.week.last_week == WeekNumbers()
    assert quiet.week.this_week == quiet.week.last_week == WeekNumbers()
    assert quiet.digest == DigestSettingsRow("07:00", "mon,tue,wed,thu,fri", False, False)
