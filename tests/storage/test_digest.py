"""Digest storage on SQLite and PostgreSQL: set-based reads, team scoping and the claim."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from storage import digest as store
from storage.db import make_session_factory
from storage.digest import DeliveryKey, DeliveryStatus
from storage.models import CallLogRow, DeliveryRow, OwedReturnCallRow, ProspectRow, RepRow

NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def add_rep(session: Session, team: str, user: str, **digest: object) -> None:
    session.add(
        RepRow(
            team_id=team, user_id=user, tz="America/Chicago", name=user, created_at=NOW, **digest
        )
    )


def add_prospect(
    session: Session, team: str, owner: str, name: str, **fields: object
) -> ProspectRow:
    row = ProspectRow(
        team_id=team,
        owner_id=owner,
        name=name,
        name_key=name.casefold(),
        tz_inferred=False,
        status=fields.pop("status", "active"),
        created_at=NOW,
        **fields,
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


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def seed_reps(engine: Engine, reps: int, prospects_each: int) -> None:
    with make_session_factory(engine).begin() as session:
        for r in range(reps):
            add_rep(session, "T1", f"U{r}")
            for p in range(prospects_each):
                row = add_prospect(session, "T1", f"U{r}", f"P{r}-{p}", tz="America/New_York")
                add_call(session, row, "noanswer", NOW - timedelta(days=2))
                inbound = add_call(session, row, "inbound", NOW - timedelta(hours=3))
                session.add(
                    OwedReturnCallRow(
                        team_id="T1",
                        rep_user_id=f"U{r}",
                        prospect_id=row.id,
                        inbound_call_id=inbound.id,
                        due_at=NOW + timedelta(hours=21),
                    )
                )


def test_digest_inputs_cost_the_same_few_queries_for_3_or_30_reps(engine: Engine) -> None:
    seed_reps(engine, reps=30, prospects_each=4)
    factory = make_session_factory(engine)
    for reps in (3, 30):
        with factory() as session, counted_statements(engine) as statements:
            inputs = store.digest_inputs(session, [("T1", f"U{r}") for r in range(reps)], NOW)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 4  # rules, prospects, call logs, owed return calls
        assert len(inputs) == reps
        assert all(len(i.prospects) == 4 and len(i.owed_calls) == 4 for i in inputs.values())
        calls = inputs[("T1", "U0")].prospects[0].calls
        assert [log.outcome.value for log in calls.latest] == ["noanswer", "inbound"]
        assert calls.since_talk == ()


def test_digest_inputs_keep_teams_apart_and_leave_out_closed_and_snoozed(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        add_rep(session, "TA", "U1")
        add_rep(session, "TB", "U1")
        add_prospect(session, "TA", "U1", "Team A prospect")
        add_prospect(session, "TB", "U1", "Team B prospect")
        add_prospect(session, "TA", "U1", "Won", status="won")
        add_prospect(session, "TA", "U1", "Snoozed", snoozed_until=NOW + timedelta(days=1))
        add_prospect(session, "TA", "U1", "Awake", snoozed_until=NOW - timedelta(days=1))
    with make_session_factory(engine)() as session:
        inputs = store.digest_inputs(session, [("TA", "U1")], NOW)
    assert sorted(p.prospect.name for p in inputs[("TA", "U1")].prospects) == [
        "Awake",
        "Team A prospect",
    ]


def test_paused_reps_are_not_recipients(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        add_rep(session, "T1", "U_ON")
        add_rep(session, "T1", "U_OFF", digest_paused=True)
    with make_session_factory(engine)() as session:
        assert [r.rep.user_id for r in store.digest_recipients(session)] == ["U_ON"]


def claim(
    engine: Engine, worker: str, *keys: DeliveryKey, now: datetime = NOW
) -> list[DeliveryKey]:
    with make_session_factory(engine).begin() as session:
        return store.claim_deliveries(session, keys, worker, now)


def status_of(engine: Engine, key: DeliveryKey) -> DeliveryRow:
    with make_session_factory(engine)() as session:
        row = store.delivery_row(session, key.team_id, key.rep_user_id, key.local_date)
        assert row is not None
        return row


def test_a_day_is_claimed_once_and_only_failures_are_claimed_again(engine: Engine) -> None:
    a, b = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    assert claim(engine, "w1", a, b) == [a, b]
    assert claim(engine, "w2", a, b) == []
    # The same rep in another team, or on the next day, is a different delivery.
    assert claim(engine, "w2", DeliveryKey("T2", "UA", DAY)) == [DeliveryKey("T2", "UA", DAY)]

    factory = make_session_factory(engine)
    with factory.begin() as session:
        assert store.start_posting(session, a, "w1", NOW)
        assert not store.start_posting(session, b, "w2", NOW)  # w2 does not hold b
        store.record_outcome(session, a, "w1", DeliveryStatus.FAILED, "internal_error")
    assert claim(engine, "w2", a, b) == [a]
    assert status_of(engine, a).claimed_by == "w2"
    with factory.begin() as session:
        assert store.start_posting(session, a, "w2", NOW)
        store.record_sent(session, a, "w2", "DUA", "1700000000.000100", NOW)
    assert claim(engine, "w3", a) == []
    row = status_of(engine, a)
    assert (row.status, row.ts, row.attempts) == ("sent", "1700000000.000100", 2)


def test_an_abandoned_claim_or_unfinished_post_is_taken_over_once_stale(engine: Engine) -> None:
    built, posting = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    claim(engine, "dead", built, posting)
    with make_session_factory(engine).begin() as session:
        store.start_posting(session, posting, "dead", NOW)
    later = NOW + store.STALE_CLAIM + timedelta(seconds=1)
    assert claim(engine, "w2", built, posting, now=NOW + timedelta(minutes=1)) == []
    assert claim(engine, "w2", built, posting, now=later) == [built, posting]
    with make_session_factory(engine)() as session:
        # The post that may have landed is the one to look for in the DM first.
        assert store.tried_before(session, [built, posting]) == {posting}
        assert store.unavailable_deliveries(session, [built, posting], later) == {built, posting}


def test_failures_stop_being_retried_after_the_attempt_cap(engine: Engine) -> None:
    key = DeliveryKey("T1", "UA", DAY)
    factory = make_session_factory(engine)
    for attempt in range(store.MAX_ATTEMPTS):
        assert claim(engine, f"w{attempt}", key) == [key]
        with factory.begin() as session:
            store.start_posting(session, key, f"w{attempt}", NOW)
            store.record_outcome(session, key, f"w{attempt}", DeliveryStatus.FAILED, "fatal_error")
    assert claim(engine, "w-last", key) == []


def test_concurrent_claims_of_overlapping_batches_give_each_day_to_one_worker(
    engine: Engine,
) -> None:
    keys = [DeliveryKey("T1", f"U{n:03}", DAY) for n in range(60)]

    def worker(n: int) -> list[DeliveryKey]:
        won: list[DeliveryKey] = []
        mine = keys[n * 7 :] + keys[: n * 7]  # every worker starts somewhere else
        for start in range(0, len(mine), 10):
            won += claim(engine, f"w{n}", *mine[start : start + 10])
        return won

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(worker, range(6)))
    everything = [key for won in results for key in won]
    assert sorted(everything) == keys
    with make_session_factory(engine)() as session:
        assert len(session.scalars(select(DeliveryRow)).all()) == 60
