"""Retention: deliveries, sent and cancelled CRM outbox rows and replay claims past their
time are deleted by the round's retention tick; everything still needed is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.ticks import minute_ticks
from bot.services import retention
from storage import queries
from storage.db import make_session_factory
from storage.models import CrmOutboxRow, DeliveryRow, ProcessedEventRow

NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
KEEP = timedelta(days=90)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def add_delivery(session: Session, user: str, age: timedelta) -> None:
    session.add(
        DeliveryRow(
            team_id="T1",
            rep_user_id=user,
            kind="daily",
            local_date=(NOW - age).date(),
            status="sent",
            attempts=1,
        )
    )


def add_outbox(session: Session, call_id: int, status: str, age: timedelta) -> None:
    session.add(
        CrmOutboxRow(
            team_id="T1",
            rep_user_id="U1",
            action="push",
            call_id=call_id,
            status=status,
            attempts=1,
            created_at=NOW - age,
        )
    )


def test_the_retention_tick_forgets_only_what_is_past_its_time(
    factory: sessionmaker[Session],
) -> None:
    old, edge, recent = KEEP + timedelta(days=1), KEEP, KEEP - timedelta(days=1)
    with factory.begin() as session:
        add_delivery(session, "U_OLD", old)
        add_delivery(session, "U_EDGE", edge)
        add_delivery(session, "U_RECENT", recent)
        for call_id, status in enumerate(("sent", "cancelled", "pending", "failed")):
            add_outbox(session, call_id, status, old)
        add_outbox(session, 10, "sent", recent)
        queries.claim_event(session, "T1", "Ev-old", NOW - timedelta(days=1, seconds=1))
        queries.claim_event(session, "T1", "Ev-new", NOW - timedelta(hours=23))

    tick = minute_ticks(Settings(retention_days=90))["retention"]
    report = tick(factory, lambda team: None, NOW)  # type: ignore[arg-type,return-value]
    assert report.acted
    assert report.summary() == (
        "retention: forgot 1 deliveries, 2 sent or cancelled CRM outbox rows, 1 replay claims"
    )
    with factory() as session:
        assert sorted(session.scalars(select(DeliveryRow.rep_user_id))) == ["U_EDGE", "U_RECENT"]
        # A call still to push, or one the CRM refused, is never forgotten however old.
        assert sorted(session.scalars(select(CrmOutboxRow.call_id))) == [2, 3, 10]
        assert list(session.scalars(select(ProcessedEventRow.event_id))) == ["Ev-new"]
    assert not tick(factory, lambda team: None, NOW).acted  # type: ignore[arg-type,return-value]


def test_a_backlog_is_pruned_a_bounded_batch_per_tick(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "PRUNE_BATCH", 2)
    with factory.begin() as session:
        for n in range(5):
            add_delivery(session, f"U{n}", KEEP + timedelta(days=n + 1))
            add_outbox(session, n, "sent", KEEP + timedelta(days=n + 1))
    first = retention.prune_old_rows(factory, NOW, KEEP)
    assert (first.deliveries, first.outbox) == (2, 2)
    with factory() as session:
        # Oldest first: the rows kept are the youngest.
        assert sorted(session.scalars(select(DeliveryRow.rep_user_id))) == ["U0", "U1", "U2"]
    retention.prune_old_rows(factory, NOW, KEEP)
    last = retention.prune_old_rows(factory, NOW, KEEP)
    assert (last.deliveries, last.outbox) == (1, 1)
