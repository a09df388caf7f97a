"""Digest storage on SQLite and PostgreSQL: set-based reads, team scoping and the claim."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, event, select, update
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
    return claimed(engine, worker, *keys, now=now).won


def claimed(engine: Engine, worker: str, *keys: DeliveryKey, now: datetime = NOW) -> store.Claim:
    with make_session_factory(engine).begin() as session:
        return store.claim_deliveries(session, keys, worker, now)


def status_of(engine: Engine, key: DeliveryKey) -> DeliveryRow:
    with make_session_factory(engine)() as session:
        row = store.delivery_row(session, key.team_id, key.rep_user_id, key.local_date)
        assert row is not None
        return row


def record(
    engine: Engine, key: DeliveryKey, worker: str, status: DeliveryStatus, now: datetime = NOW
) -> None:
    outcome = store.DeliveryOutcome(key, status, "DUA", "1700000000.000100", "internal_error")
    with make_session_factory(engine).begin() as session:
        assert store.start_posting(session, key, worker)
        store.record_outcomes(session, [outcome], worker, now)


def lapse_leases(engine: Engine, seconds_ago: float = 1) -> None:
    """What a dead worker leaves once LEASE has passed without renewal."""
    with make_session_factory(engine).begin() as session:
        lapsed = store.database_now(session) - timedelta(seconds=seconds_ago)
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.lease_until.is_not(None))
            .values(lease_until=lapsed)
        )


def test_a_day_is_claimed_once_and_a_failure_again_only_after_its_wait(engine: Engine) -> None:
    a, b = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    assert claim(engine, "w1", a, b) == [a, b]
    assert claim(engine, "w2", a, b) == []
    # The same rep in another team, or on the next day, is a different delivery.
    assert claim(engine, "w2", DeliveryKey("T2", "UA", DAY)) == [DeliveryKey("T2", "UA", DAY)]

    factory = make_session_factory(engine)
    with factory.begin() as session:
        assert not store.start_posting(session, b, "w2")  # w2 does not hold b
    record(engine, a, "w1", DeliveryStatus.FAILED)
    assert status_of(engine, a).lease_until is None
    assert claim(engine, "w2", a, b, now=NOW + timedelta(seconds=59)) == []
    assert claimed(engine, "w2", a, b, now=NOW + timedelta(minutes=1)) == ([a], set())
    assert status_of(engine, a).claimed_by == "w2"
    record(engine, a, "w2", DeliveryStatus.SENT, now=NOW + timedelta(minutes=1))
    assert claim(engine, "w3", a, now=NOW + timedelta(hours=1)) == []
    row = status_of(engine, a)
    assert (row.status, row.ts, row.attempts, row.failures) == ("sent", "1700000000.000100", 2, 1)
    assert row.next_attempt_at is None


def test_the_wait_after_each_failure_doubles_up_to_eight_minutes(engine: Engine) -> None:
    key = DeliveryKey("T1", "UA", DAY)
    now = NOW
    waits = []
    for attempt in range(6):
        assert claim(engine, f"w{attempt}", key, now=now) == [key]
        record(engine, key, f"w{attempt}", DeliveryStatus.UNKNOWN, now=now)
        retry_at = status_of(engine, key).next_attempt_at
        assert retry_at is not None
        waits.append(retry_at - now)
        assert claim(engine, "early", key, now=retry_at - timedelta(seconds=1)) == []
        now = retry_at
    assert [wait.total_seconds() / 60 for wait in waits] == [1, 2, 4, 8, 8, 8]
    # No count of attempts ends it: only the cut-off does.
    assert claimed(engine, "later", key, now=now + timedelta(hours=3)) == ([key], {key})


def test_a_live_lease_holds_whatever_the_rounds_clock_says_and_a_lapsed_one_is_taken_over(
    engine: Engine,
) -> None:
    built, posting = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    claim(engine, "dead", built, posting)
    with make_session_factory(engine).begin() as session:
        assert store.start_posting(session, posting, "dead")
    # A round that started an hour later, or a host whose clock runs ahead: still held.
    for minutes in (11, 61, 600):
        assert claim(engine, "w2", built, posting, now=NOW + timedelta(minutes=minutes)) == []
    lapse_leases(engine)
    taken = claimed(engine, "w2", built, posting, now=NOW + timedelta(minutes=2))
    # The post that may have landed is the one to look for in the DM first.
    assert taken == ([built, posting], {posting})
    assert claim(engine, "w3", built, posting, now=NOW + timedelta(minutes=3)) == []
    with make_session_factory(engine)() as session:
        assert store.unavailable_deliveries(session, [built, posting], NOW) == {built, posting}


def test_renewing_keeps_a_workers_leases_and_only_its_own(engine: Engine) -> None:
    mine, theirs = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    claim(engine, "w1", mine)
    claim(engine, "w2", theirs)
    lapse_leases(engine, seconds_ago=-5)  # five seconds left
    factory = make_session_factory(engine)
    with factory.begin() as session:
        assert store.renew_leases(session, "w1") == 1
        lease_ends = store.database_now(session) + store.LEASE - timedelta(seconds=5)
    assert status_of(engine, mine).lease_until >= lease_ends  # type: ignore[operator]
    assert status_of(engine, theirs).lease_until < lease_ends  # type: ignore[operator]


def test_a_day_past_its_cut_off_is_missed_with_what_last_went_wrong(engine: Engine) -> None:
    failed, never = DeliveryKey("T1", "UA", DAY), DeliveryKey("T1", "UB", DAY)
    claim(engine, "w1", failed)
    record(engine, failed, "w1", DeliveryStatus.FAILED)
    later = NOW + timedelta(hours=4)
    assert claim(engine, "w2", failed, never, now=later) == [failed, never]
    with make_session_factory(engine).begin() as session:
        store.record_missed(session, [failed, never], "w2", "not posted by the cut-off")
    assert (status_of(engine, failed).status, status_of(engine, failed).last_error) == (
        "missed",
        "not posted by the cut-off; last error: internal_error",
    )
    assert status_of(engine, never).last_error == (
        "not posted by the cut-off; last error: none, no post was tried"
    )
    assert claim(engine, "w3", failed, never, now=later + timedelta(hours=1)) == []


def test_old_deliveries_are_pruned_oldest_first_within_the_limit(engine: Engine) -> None:
    days = [DAY - timedelta(days=n) for n in range(5)]
    for day in days:
        claim(engine, "w1", DeliveryKey("T1", "UA", day))
    factory = make_session_factory(engine)
    with factory.begin() as session:
        assert store.prune_deliveries(session, DAY - timedelta(days=1), limit=2) == 2
    with factory.begin() as session:
        assert store.prune_deliveries(session, DAY - timedelta(days=1), limit=2) == 1
    with factory() as session:
        kept = session.scalars(select(DeliveryRow.local_date)).all()
    assert sorted(kept) == sorted(days[:2])


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


def test_a_day_in_doubt_stays_in_doubt_when_the_tick_that_took_it_over_dies_too(
    engine: Engine,
) -> None:
    key = DeliveryKey("T1", "UA", DAY)
    claim(engine, "w1", key)
    record(engine, key, "w1", DeliveryStatus.UNKNOWN)
    assert claimed(engine, "w2", key, now=NOW + timedelta(minutes=1)) == ([key], {key})
    assert status_of(engine, key).status == "posting"  # w2 dies while reading the DM
    lapse_leases(engine)
    assert claimed(engine, "w3", key, now=NOW + timedelta(minutes=3)) == ([key], {key})
