"""What one /logcall costs the database, as counts a regression would change: on PostgreSQL
one read and one write (the replay claim, the prospect's update, the call and its CRM push
in one statement) between BEGIN and COMMIT; on SQLite, which has no data-modifying CTEs,
the same read and the writes one by one. Counts, never timings (those are in bench/)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import ids
from bot.runtime.signing import signed_headers
from storage.models import (
    NOT_KNOWN,
    CallLogRow,
    CrmConnectionRow,
    CrmOutboxRow,
    ProcessedEventRow,
    ProspectRow,
)
from tests.engines import Traffic, counted
from tests.handlers.interactions import count
from tests.slack import SIGNING_SECRET, SlackHarness, logcall_body

KNOWN = "Jane Doe connected value:$40k demo next week"
NEW = "Ann Lee noanswer phone:+1 312 555 0100"
COPIES = 6


def logged(slack: SlackHarness, text: str) -> Traffic:
    slack.clock.now += timedelta(minutes=1)
    with counted(slack.engine) as traffic:
        reply = slack.command(ids.LOGCALL, text)
    assert reply.status == 200 and "went wrong" not in reply.body, reply.body
    return traffic


def kinds(traffic: Traffic) -> list[str]:
    return [" ".join(sql.split()[:3]) for sql in traffic.statements]


def on_postgres(slack: SlackHarness) -> bool:
    return slack.engine.dialect.name == "postgresql"


def test_a_known_prospects_call_is_one_read_and_one_write(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    traffic = logged(slack, KNOWN)
    if on_postgres(slack):
        assert [sql.split()[0] for sql in traffic.statements] == ["SELECT", "WITH"]
        assert traffic.round_trips == 4  # BEGIN, the read, the write, COMMIT
    else:
        assert kinds(traffic) == [
            "BEGIN IMMEDIATE",
            "SELECT reps.tz, reps.name,",
            "INSERT INTO processed_events",
            "UPDATE prospects SET",
            "INSERT INTO call_logs",
        ]
        assert traffic.round_trips == 6  # and the COMMIT
    with slack.session_factory() as session:
        assert session.scalars(select(ProspectRow.deal_value)).one() == 40000
        assert session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all() == [
            "vm",
            "connected",
        ]
    assert count(slack, ProcessedEventRow) == 2


def test_a_call_that_changes_no_detail_still_stores_where_the_prospect_stands(
    slack: SlackHarness,
) -> None:
    """Every call moves the prospect's standing (what the digest reads instead of the calls),
    so the prospect is written in the call's own write: inside the one statement on
    PostgreSQL, one UPDATE more on SQLite."""
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    with slack.session_factory() as session:
        before = session.scalars(select(ProspectRow.standing_version)).one()
    traffic = logged(slack, "Jane Doe noanswer")
    with slack.session_factory() as session:
        after = session.execute(
            select(ProspectRow.stage, ProspectRow.due_at, ProspectRow.standing_version)
        ).one()
    assert after.stage is not None
    assert after.due_at not in (None, NOT_KNOWN)
    assert after.standing_version == before + 1
    if on_postgres(slack):
        assert [sql.split()[0] for sql in traffic.statements] == ["SELECT", "WITH"]
        assert traffic.round_trips == 4
    else:
        assert "UPDATE prospects SET" in kinds(traffic)
        assert traffic.round_trips == 6


def test_a_new_prospect_adds_one_insert(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm")  # the rep is known; Ann Lee is not
    traffic = logged(slack, NEW)
    if on_postgres(slack):
        assert [sql.split()[0] for sql in traffic.statements] == ["SELECT", "INSERT", "WITH"]
        assert traffic.round_trips == 5
    else:
        assert kinds(traffic) == [
            "BEGIN IMMEDIATE",
            "SELECT reps.tz, reps.name,",
            "INSERT INTO prospects",
            "INSERT INTO processed_events",
            "INSERT INTO call_logs",
        ]
        assert traffic.round_trips == 6
    assert count(slack, ProspectRow) == 2


def test_the_crm_push_is_part_of_the_write(slack: SlackHarness) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    with slack.session_factory.begin() as session:
        session.add(
            CrmConnectionRow(
                team_id="T1", kind="hubspot", credentials="sealed", connected_at=slack.clock.now
            )
        )
    traffic = logged(slack, KNOWN)
    if on_postgres(slack):
        assert traffic.round_trips == 4
        assert "INSERT INTO crm_outbox" in traffic.statements[-1]
    else:
        assert kinds(traffic)[-2:] == ["INSERT INTO call_logs", "INSERT INTO crm_outbox"]
    with slack.session_factory() as session:
        call_id = session.scalars(select(CallLogRow.id).order_by(CallLogRow.id.desc())).first()
        queued = session.scalars(select(CrmOutboxRow)).one()
    assert (queued.call_id, queued.action, queued.status) == (call_id, "push", "pending")
    assert (queued.team_id, queued.rep_user_id, queued.attempts) == ("T1", "U1", 0)
    assert queued.response_url is not None


def test_a_replay_rolls_back_everything_it_wrote(slack: SlackHarness) -> None:
    """The replay's update and insert ran with its claim and were rolled back with it: a
    later call's deal value stands, and the call is logged once."""
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    body = logcall_body(slack.standin.response_url("T1-U1"), KNOWN)
    headers = signed_headers(SIGNING_SECRET, body)
    assert "Connected" in slack.post(body, headers).text
    slack.command(ids.LOGCALL, "Jane Doe noanswer value:$10k")
    with counted(slack.engine) as traffic:
        replay = slack.post(body, headers)
    assert (replay.status, replay.body) == (200, "")
    assert traffic.round_trips == 4  # BEGIN, the read, the write (or the claim), ROLLBACK
    with slack.session_factory() as session:
        assert session.scalars(select(ProspectRow.deal_value)).one() == 10000
        assert session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all() == [
            "vm",
            "connected",
            "noanswer",
        ]


def test_postgres_prepares_the_read_and_the_write(slack: SlackHarness) -> None:
    """psycopg prepares a statement on its fifth use: the same SQL text each call (built
    once, parameters bound) is what lets the server skip parsing and planning them."""
    if not on_postgres(slack):
        pytest.skip("SQLite compiles statements in process; there is no server to prepare")
    # Prepared statements are the connection's own: one pooled connection serves the calls
    # and the look, whatever earlier tests left in the pool.
    slack.engine.dispose()
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    # psycopg counts uses per SQL text and parameter types (a NULL is not a time): the
    # standing's columns settle after the first few calls of a kind.
    for _ in range(10):
        logged(slack, "Jane Doe noanswer")
    with slack.engine.connect() as connection:
        prepared = connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
        statements = [" ".join(sql.split()[:3]) for (sql,) in prepared]
    assert "SELECT reps.tz, reps.name," in statements
    assert "WITH prospect AS" in statements  # the prospect's update, the claim, the call


def test_copies_sent_at_once_log_one_call(slack: SlackHarness) -> None:
    """Copies of one request racing each other: the first claim wins, the others wait on its
    key, find it taken and roll back whatever they wrote beside it."""
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    body = logcall_body(slack.standin.response_url("T1-U1"), KNOWN)
    headers = signed_headers(SIGNING_SECRET, body)
    with ThreadPoolExecutor(COPIES) as pool:
        replies = list(pool.map(lambda _: slack.post(body, headers), range(COPIES)))
    assert sorted(reply.status for reply in replies) == [200] * COPIES
    assert sum("Connected" in reply.body for reply in replies) == 1
    assert sum(reply.body == "" for reply in replies) == COPIES - 1
    with slack.session_factory() as session:
        outcomes = session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all()
        assert outcomes == ["vm", "connected"]
        assert session.scalars(select(ProspectRow.deal_value)).one() == 40000
