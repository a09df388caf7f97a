"""Synthetic teams for the digest benchmark, bulk-loaded with PostgreSQL's COPY.

Each rep has 200 prospects and 2,000 call logs, spread over time zones and the last 60 days,
so a tick has real cadence work to do for every prospect. Every rep's digest falls due at the
same instant, TICK_AT, whatever their zone (each has the digest time that is TICK_AT on their
clock): the hard case, a whole morning's posts on one minute.
Loaded rows have no standing yet (as after migration 0020); `load` has them worked out and
written back as the digest would, so the ticks measured are ordinary mornings, not the first
one after the upgrade.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from storage import digest as digest_store
from storage import standing as standing_store
from storage.db import make_engine, make_session_factory

ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "Europe/London",
)
OUTCOMES = ("vm", "noanswer", "gatekeeper", "connected", "noanswer", "vm", "callback", "email")
PROSPECTS_PER_REP = 200
CALLS_PER_PROSPECT = 10
REPS_PER_TEAM = 500


def load(url: str, reps: int, now: datetime) -> None:
    """Adds reps numbered from the current count, so the database can be grown in steps."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        start = conn.execute("SELECT count(*) FROM reps").fetchone()[0]  # type: ignore[index]
        next_prospect = conn.execute("SELECT coalesce(max(id), 0) FROM prospects").fetchone()[0]  # type: ignore[index]
        with conn.cursor() as cursor:
            with cursor.copy(
                "COPY reps (team_id, user_id, name, tz, digest_time, digest_days,"
                " digest_paused, digest_when_empty, created_at) FROM STDIN"
            ) as copy:
                for n in range(start, start + reps):
                    copy.write_row(
                        (
                            _team(n),
                            _user(n),
                            f"Rep {n}",
                            ZONES[n % 3],
                            TICK_AT.astimezone(ZoneInfo(ZONES[n % 3])).strftime("%H:%M"),
                            "mon,tue,wed,thu,fri",
                            False,
                            False,
                            now,
                        )
                    )
            with cursor.copy(
                "COPY prospects (id, team_id, owner_id, name, name_key, phone, tz, tz_inferred,"
                " deal_value, status, follow_up_at, created_at) FROM STDIN"
            ) as copy:
                prospect_id = next_prospect
                for n in range(start, start + reps):
                    for p in range(PROSPECTS_PER_REP):
                        prospect_id += 1
                        follow_up = now + timedelta(hours=(p % 48) - 24) if p % 5 == 0 else None
                        copy.write_row(
                            (
                                prospect_id,
                                _team(n),
                                _user(n),
                                f"Prospect {n}-{p}",
                                f"prospect {n}-{p}",
                                f"+1312555{p:04d}",
                                ZONES[p % len(ZONES)],
                                True,
                                1000 * (1 + p % 50),
                                "active",
                                follow_up,
                                now,
                            )
                        )
            with cursor.copy(
                "COPY call_logs (team_id, prospect_id, rep_user_id, at, outcome, notes) FROM STDIN"
            ) as copy:
                prospect_id = next_prospect
                for n in range(start, start + reps):
                    for p in range(PROSPECTS_PER_REP):
                        prospect_id += 1
                        for c in range(CALLS_PER_PROSPECT):
                            at = now - timedelta(days=60 - 6 * c, hours=p % 9)
                            outcome = OUTCOMES[(p + c) % len(OUTCOMES)]
                            copy.write_row((_team(n), prospect_id, _user(n), at, outcome, ""))
            cursor.execute("SELECT setval('prospects_id_seq', %s)", (prospect_id,))
        conn.execute("ANALYZE")
    loaded = [(_team(n), _user(n), ZONES[n % 3]) for n in range(start, start + reps)]
    settle_standings(url, now, loaded)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("ANALYZE")


def settle_standings(
    url: str, now: datetime, reps: list[tuple[str, str, str]], batch: int = 25
) -> None:
    """Works out the standings of these (team, user, zone) reps' prospects, as a digest
    read does, and writes them back."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        for start in range(0, len(reps), batch):
            chunk = reps[start : start + batch]
            keys = [(team, user) for team, user, _ in chunk]
            with factory() as session:
                inputs = digest_store.digest_inputs(session, keys, now)
            zones = {(team, user): ZoneInfo(tz) for team, user, tz in chunk}
            worked_out = digest_store.worked_out_standings(inputs, zones, now)
            with factory.begin() as session:
                standing_store.write_back(session, worked_out)
    finally:
        engine.dispose()


def _team(n: int) -> str:
    return f"TB{n // REPS_PER_TEAM:04d}"


def _user(n: int) -> str:
    return f"UB{n:06d}"


# Monday 09:00 in Chicago (10:00 in New York, 08:00 in Denver): every rep's digest time.
TICK_AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
