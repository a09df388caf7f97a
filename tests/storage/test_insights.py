"""Insights storage on SQLite and PostgreSQL: local hours across zones, team scoping, one query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.insights.rates import UNKNOWN_AREA, CallGrid, Cell, Tally
from bot.insights.weekly import WeekNumbers
from storage import insights as store
from storage.db import make_session_factory
from storage.models import CallLogRow, OwedReturnCallRow, ProspectRow, RepRow

CREATED = datetime(2026, 1, 5, tzinfo=UTC)
# Friday 20 November 2026, 3 PM in Chicago: when the weekly DM goes out.
FRIDAY_AFTERNOON = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)

_serial = count(1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def add_rep(session: Session, team: str, user: str, tz: str = "America/Chicago") -> None:
    session.add(RepRow(team_id=team, user_id=user, tz=tz, name=user, created_at=CREATED))


def add_prospect(session: Session, team: str, owner: str, tz: str | None) -> ProspectRow:
    # Names are unique per rep; the serial keeps two prospects in one zone apart.
    name = f"{owner} {tz} {next(_serial)}"
    row = ProspectRow(
        team_id=team,
        owner_id=owner,
        name=name,
        name_key=name.casefold(),
        tz=tz,
        tz_inferred=False,
        status="active",
        created_at=CREATED,
    )
    session.add(row)
    session.flush()
    return row


def add_call(session: Session, prospect: ProspectRow, outcome: str, at: datetime) -> CallLogRow:
    row = CallLogRow(
        team_id=prospect.team_id,
        prospect_id=prospect.id,
        rep_user_id=prospect.owner_id,
        at=at,
        outcome=outcome,
        notes="",
    )
    session.add(row)
    session.flush()
    return row


def add_owed(
    session: Session, prospect: ProspectRow, due: datetime, returned: datetime | None
) -> None:
    inbound = add_call(session, prospect, "inbound", due - timedelta(hours=24))
    session.add(
        OwedReturnCallRow(
            team_id=prospect.team_id,
            rep_user_id=prospect.owner_id,
            prospect_id=prospect.id,
            inbound_call_id=inbound.id,
            due_at=due,
            returned_at=returned,
        )
    )


@contextmanager
def counted_selects(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_dials_are_placed_in_each_prospects_local_hour_across_dst(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        add_rep(session, "T1", "U1", tz="America/Chicago")
        new_york = add_prospect(session, "T1", "U1", "America/New_York")
        phoenix = add_prospect(session, "T1", "U1", "America/Phoenix")
        kolkata = add_prospect(session, "T1", "U1", "Asia/Kolkata")
        tokyo = add_prospect(session, "T1", "U1", "Asia/Tokyo")
        unknown = add_prospect(session, "T1", "U1", None)
        # 12:30 UTC is 8:30 EDT on the Friday before clocks fall back, 7:30 EST the Monday after.
        add_call(session, new_york, "connected", utc(2026, 10, 30, 12, 30))
        add_call(session, new_york, "noanswer", utc(2026, 11, 2, 12, 30))
        # Arizona keeps standard time all year: 15:10 UTC is 8:10 either side of the change.
        add_call(session, phoenix, "meeting", utc(2026, 10, 30, 15, 10))
        add_call(session, phoenix, "vm", utc(2026, 11, 2, 15, 10))
        # A half-hour zone: 03:00 UTC is 8:30 AM in Kolkata.
        add_call(session, kolkata, "gatekeeper", utc(2026, 11, 2, 3, 0))
        # Still Sunday in UTC, already Monday 8:30 AM in Tokyo.
        add_call(session, tokyo, "connected", utc(2026, 11, 1, 23, 30))
        # No zone for the prospect: the rep's Chicago clock, as the digest uses.
        add_call(session, unknown, "connected", utc(2026, 11, 2, 14, 0))
        # Not dials: they called, or the rep emailed.
        add_call(session, new_york, "inbound", utc(2026, 11, 2, 13, 0))
        add_call(session, new_york, "email", utc(2026, 11, 2, 13, 0))
    with make_session_factory(engine)() as session:
        dials = store.team_dials(session, "T1", utc(2026, 10, 1), utc(2026, 12, 1))
    assert dials.grid(segment="America/New_York") == CallGrid(
        {Cell(4, 8): Tally(1, 1), Cell(0, 7): Tally(1, 0)}
    )
    assert dials.grid(segment="America/Phoenix") == CallGrid(
        {Cell(4, 8): Tally(1, 1), Cell(0, 8): Tally(1, 0)}
    )
    assert dials.grid(segment="Asia/Kolkata") == CallGrid({Cell(0, 8): Tally(1, 0)})
    assert dials.grid(segment="Asia/Tokyo") == CallGrid({Cell(0, 8): Tally(1, 1)})
    assert dials.grid(segment=UNKNOWN_AREA) == CallGrid({Cell(0, 8): Tally(1, 1)})
    assert dials.grid(rep="U1").total() == Tally(7, 4)


def test_only_the_teams_dials_in_the_period_are_counted_in_one_query(engine: Engine) -> None:
    since, until = utc(2026, 11, 1), utc(2026, 11, 15)
    with make_session_factory(engine).begin() as session:
        for team in ("TA", "TB"):
            for user in ("U1", "U2", "U3"):
                add_rep(session, team, user)
                for tz in ("America/Denver", "Europe/London"):
                    prospect = add_prospect(session, team, user, tz)
                    add_call(session, prospect, "connected", utc(2026, 11, 4, 15))
                    add_call(session, prospect, "noanswer", utc(2026, 11, 5, 15))
        # Same user id, other workspace, and outside the period: none of these count for TA.
        prospect = add_prospect(session, "TB", "U1", "America/Denver")
        add_call(session, prospect, "connected", utc(2026, 11, 6, 15))
        prospect = add_prospect(session, "TA", "U1", "America/Denver")
        add_call(session, prospect, "connected", since - timedelta(seconds=1))
        add_call(session, prospect, "connected", until)
        add_call(session, prospect, "noanswer", since)
    factory = make_session_factory(engine)
    with factory() as session, counted_selects(engine) as selects:
        dials = store.team_dials(session, "TA", since, until)
    assert len(selects) == 1
    assert dials.grid().total() == Tally(3 * 2 * 2 + 1, 3 * 2)
    assert dials.grid(rep="U1").total() == Tally(5, 2)
    assert set(dials.grids) == {
        (user, tz) for user in ("U1", "U2", "U3") for tz in ("America/Denver", "Europe/London")
    }


def seed_fortnight(session: Session, team: str) -> None:
    """Rep U1 (Chicago) calls a New York prospect over this week and last; U2 is quiet."""
    add_rep(session, team, "U1")
    add_rep(session, team, "U2")
    prospect = add_prospect(session, team, "U1", "America/New_York")
    # This week (from Monday 16 Nov, 06:00 UTC).
    add_call(session, prospect, "connected", utc(2026, 11, 16, 14))  # 9 AM in New York
    add_call(session, prospect, "vm", utc(2026, 11, 17, 14))
    add_call(session, prospect, "meeting", utc(2026, 11, 18, 21, 30))  # 4:30 PM there
    add_call(session, prospect, "noanswer", utc(2026, 11, 20, 20))
    add_owed(session, prospect, due=utc(2026, 11, 18, 15), returned=utc(2026, 11, 18, 10))
    add_owed(session, prospect, due=utc(2026, 11, 17, 10), returned=utc(2026, 11, 17, 12))
    add_owed(session, prospect, due=utc(2026, 11, 21, 10), returned=None)
    # Last week, up to Friday 13 Nov 3 PM in Chicago (21:00 UTC).
    add_call(session, prospect, "vm", utc(2026, 11, 9, 15))
    add_call(session, prospect, "connected", utc(2026, 11, 13, 20, 30))
    add_call(session, prospect, "noanswer", utc(2026, 11, 13, 22))  # after the same point
    add_owed(session, prospect, due=utc(2026, 11, 11, 12), returned=utc(2026, 11, 10, 16))
    # The week before: too old for either.
    add_call(session, prospect, "connected", utc(2026, 11, 5, 15))


def test_week_reports_compare_this_week_with_last_at_the_same_point(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        seed_fortnight(session, "T1")
    with make_session_factory(engine)() as session:
        reports = store.week_reports(session, "T1", FRIDAY_AFTERNOON)
    ann = reports["U1"]
    assert ann.week_start == date(2026, 11, 16)
    assert ann.this_week == WeekNumbers(
        dials=4, connects=2, voicemails=1, meetings=1, return_calls_in_time=1
    )
    assert ann.last_week == WeekNumbers(
        dials=2, connects=1, voicemails=1, meetings=0, return_calls_in_time=1
    )
    assert ann.grid == CallGrid(
        {
            Cell(0, 9): Tally(1, 1),
            Cell(1, 9): Tally(1, 0),
            Cell(2, 16): Tally(1, 1),
            Cell(4, 15): Tally(1, 0),
        }
    )
    assert reports["U2"].this_week == reports["U2"].last_week == WeekNumbers()


def test_week_reports_keep_teams_apart_in_one_query_and_skip_broken_zones(
    engine: Engine,
) -> None:
    with make_session_factory(engine).begin() as session:
        seed_fortnight(session, "TA")
        seed_fortnight(session, "TB")
        add_rep(session, "TA", "U3", tz="Mars/Olympus_Mons")
    factory = make_session_factory(engine)
    with factory() as session, counted_selects(engine) as selects:
        reports = store.week_reports(session, "TA", FRIDAY_AFTERNOON)
    assert len(selects) == 1
    assert set(reports) == {"U1", "U2"}
    assert reports["U1"].this_week.dials == 4
    assert reports["U1"].grid.total() == Tally(4, 2)


def test_the_evidence_cache_reuses_a_workspace_read_until_it_is_stale(engine: Engine) -> None:
    cache = store.EvidenceCache(timedelta(minutes=15))
    now = utc(2026, 11, 23, 16)
    with Session(engine) as session:
        first = cache.advisor(session, "T1", "U1", now)
        with counted_selects(engine) as reused:
            assert cache.advisor(session, "T1", "U1", now + timedelta(minutes=14)) is first
            cache.advisor(session, "T1", "U2", now + timedelta(minutes=1))
        assert reused == []
        with counted_selects(engine) as stale:
            assert cache.advisor(session, "T1", "U1", now + timedelta(minutes=15)) is not first
        assert stale != []


def test_a_prospect_zone_nobody_knows_puts_their_dials_on_the_reps_clock(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        add_rep(session, "T1", "U1", tz="America/Chicago")
        nowhere = add_prospect(session, "T1", "U1", "Mars/Olympus_Mons")
        add_call(session, nowhere, "connected", utc(2026, 11, 2, 14, 0))  # 8 AM in Chicago
    with make_session_factory(engine)() as session:
        dials = store.team_dials(session, "T1", utc(2026, 10, 1), utc(2026, 12, 1))
    assert dials.grid(segment="Mars/Olympus_Mons") == CallGrid({Cell(0, 8): Tally(1, 1)})


def test_a_bounded_evidence_cache_keeps_the_workspaces_read_last(engine: Engine) -> None:
    cache = store.EvidenceCache(timedelta(minutes=15), max_teams=2)
    now = utc(2026, 11, 23, 16)
    with Session(engine) as session:
        first = {team: cache.evidence(session, team, now) for team in ("T1", "T2", "T3")}
        with counted_selects(engine) as kept:
            assert cache.evidence(session, "T3", now) is first["T3"]
            assert cache.evidence(session, "T2", now) is first["T2"]
        assert kept == []
        with counted_selects(engine) as dropped:
            assert cache.evidence(session, "T1", now) is not first["T1"]
        assert dropped != []
