"""storage.privacy on both databases: an erase takes only its own workspace's rows, the
suppression digests hold nothing readable, and forgetting a workspace empties every table of
it and nothing of anyone else's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage import privacy
from storage.db import make_session_factory
from storage.models import (
    CallLogRow,
    CrmConnectionRow,
    CrmOAuthStateRow,
    CrmOutboxRow,
    DeliveryRow,
    DraftRow,
    HomeRedrawRow,
    OwedReturnCallRow,
    PhoneAccountRow,
    PhoneEventRow,
    PreparedDigestRow,
    ProcessedEventRow,
    ProspectRow,
    RepFactRow,
    RepRow,
    SuppressionRow,
    Workspace,
)

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
KEY = privacy.suppression_key("a secret key")


def fill_workspace(session: Session, team: str, *, status: str = "dnc") -> int:
    """One row or more in every table that holds a workspace's rows; the prospect's id.

    Same names, numbers and user ids in every workspace: only team_id tells them apart."""
    session.add(Workspace(team_id=team, cadence_rules={}, created_at=NOW))
    session.add(RepRow(team_id=team, user_id="U1", tz="America/Chicago", created_at=NOW))
    prospect = ProspectRow(
        team_id=team,
        owner_id="U1",
        name="Jane Doe",
        name_key="jane doe",
        phone="+13125550100",
        cell="+13125550101",
        email="Jane@Acme.example",
        connection_note="met at the expo",
        hook="their Q1 rollout",
        status=status,
        created_at=NOW,
    )
    session.add(prospect)
    session.flush()
    call = CallLogRow(
        team_id=team,
        prospect_id=prospect.id,
        rep_user_id="U1",
        at=NOW,
        outcome="inbound",
        notes="Jane called back",
        undo_snapshot={"name": "Jane Doe"},
    )
    session.add(call)
    session.flush()
    owed = OwedReturnCallRow(
        team_id=team, rep_user_id="U1", prospect_id=prospect.id, inbound_call_id=call.id, due_at=NOW
    )
    session.add(owed)
    session.flush()
    session.add_all(
        [
            RepFactRow(team_id=team, user_id="U1", position=1, text="we fix roofs", created_at=NOW),
            DraftRow(
                team_id=team,
                rep_user_id="U1",
                prospect_id=prospect.id,
                kind="voicemail",
                text="Hi Jane",
                created_at=NOW,
            ),
            DeliveryRow(
                team_id=team,
                rep_user_id="U1",
                kind=f"owed:{owed.id}@0900",
                local_date=NOW.date(),
                status="sent",
            ),
            DeliveryRow(
                team_id=team, rep_user_id="U1", kind="daily", local_date=NOW.date(), status="sent"
            ),
            ProcessedEventRow(event_id=f"Ev-{team}", team_id=team, received_at=NOW),
            CrmConnectionRow(
                team_id=team, kind="hubspot", credentials="gAAAA-sealed", connected_at=NOW
            ),
            CrmOutboxRow(
                team_id=team,
                rep_user_id="U1",
                action="push",
                call_id=call.id,
                status="pending",
                created_at=NOW,
            ),
            HomeRedrawRow(team_id=team, user_id="U1", wanted_at=NOW, changed_at=NOW),
            PreparedDigestRow(
                team_id=team,
                rep_user_id="U1",
                local_date=NOW.date(),
                digest_at=NOW,
                fingerprint="f" * 32,
                message={"text": "Your digest", "blocks": []},
                built_at=NOW,
            ),
            CrmOAuthStateRow(
                state_hash=f"{team:0>64}"[-64:],
                team_id=team,
                user_id="U1",
                kind="salesforce",
                code_verifier="pkce-verifier",
                expires_at=NOW,
            ),
            PhoneAccountRow(
                team_id=team,
                vendor="aircall",
                token="gAAAA-sealed",
                connected_by="U1",
                connected_at=NOW,
            ),
            PhoneEventRow(
                team_id=team,
                vendor="aircall",
                vendor_call_id=f"{team}-1",
                rep_user_id="U1",
                prospect_id=prospect.id,
                number="+13125550100",
                direction="inbound",
                answered=False,
                started_at=NOW,
                duration_seconds=0,
                status="logged",
                call_log_id=call.id,
                received_at=NOW,
            ),
            PhoneEventRow(
                team_id=team,
                vendor="aircall",
                vendor_call_id=f"{team}-2",
                rep_user_id="U1",
                number="+13125550101",
                direction="inbound",
                answered=False,
                started_at=NOW,
                duration_seconds=0,
                status="offered",
                received_at=NOW,
            ),
            SuppressionRow(team_id=team, kind="phone", digest=f"{team:0>64}"[-64:], created_at=NOW),
        ]
    )
    session.flush()
    return prospect.id


def rows_of(session: Session, team: str) -> dict[str, int]:
    return {name: n for name, n in privacy.count_team_rows(session, team).items() if n}


def test_fill_workspace_covers_every_table_that_holds_a_workspaces_rows(engine: Engine) -> None:
    """Otherwise a new table could escape the forget and export tests below."""
    with make_session_factory(engine).begin() as session:
        fill_workspace(session, "T1")
        assert set(rows_of(session, "T1")) == {table.name for table in privacy.team_tables()}


def test_an_erase_takes_the_person_from_its_own_workspace_only(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        mine = fill_workspace(session, "T1")
        theirs = fill_workspace(session, "T2")
        before_t2 = rows_of(session, "T2")
    with factory.begin() as session:
        assert privacy.erase_prospect(session, "T1", theirs, KEY, NOW) is None
        erased = privacy.erase_prospect(session, "T1", mine, KEY, NOW)
    assert erased is not None and erased.asked_not_to_be_called
    assert (erased.calls, erased.drafts, erased.crm_pushes) == (1, 1, 1)
    with factory() as session:
        assert rows_of(session, "T2") == before_t2
        left = rows_of(session, "T1")
        for gone in ("prospects", "call_logs", "owed_return_calls", "drafts", "crm_outbox"):
            assert gone not in left
        assert left["deliveries"] == 1  # the daily digest's, which names nobody
        assert left["suppressions"] == 1 + 3  # the one filled, then phone, cell and email


def test_suppression_digests_hold_nothing_readable_and_match_by_workspace(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        privacy.erase_prospect(session, "T1", fill_workspace(session, "T1"), KEY, NOW)
    with factory() as session:
        digests = session.scalars(
            select(SuppressionRow.digest).where(SuppressionRow.kind != "phone")
        ).all()
        assert all("acme" not in digest.lower() for digest in digests)
        refuse = privacy.SuppressionList.load(session, "T1", KEY)
        assert refuse.refuses([None, "+13125550101"], None)
        assert refuse.refuses([], " JANE@acme.EXAMPLE ")
        assert not refuse.refuses(["+13125550199"], "john@acme.example")
        assert privacy.is_suppressed(session, "T1", KEY, ["+13125550100"], None)
        assert not privacy.is_suppressed(session, "T2", KEY, ["+13125550100"], None)
        other_key = privacy.suppression_key(None)
        assert not privacy.is_suppressed(session, "T1", other_key, ["+13125550100"], None)


def test_no_suppression_for_someone_who_never_asked(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        prospect = fill_workspace(session, "T1", status="active")
        session.execute(
            CallLogRow.__table__.update().values(outcome="vm")  # type: ignore[attr-defined]
        )
        erased = privacy.erase_prospect(session, "T1", prospect, KEY, NOW)
    assert erased is not None and not erased.asked_not_to_be_called
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SuppressionRow)) == 1


@pytest.mark.parametrize("batch", [1, privacy.FORGET_BATCH])
def test_forgetting_a_workspace_empties_every_table_of_it_and_no_other(
    engine: Engine, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy, "FORGET_BATCH", batch)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        fill_workspace(session, "T1")
        fill_workspace(session, "T2")
        session.add(
            ProspectRow(team_id="T1", owner_id="U2", name="B", name_key="b", created_at=NOW)
        )
        before_t2 = rows_of(session, "T2")
    with factory() as session:
        before_t1 = rows_of(session, "T1")
    deleted: dict[str, int] = {}
    while "workspaces" not in deleted:
        with factory.begin() as session:
            table, count = privacy.forget_batch(session, "T1")
        deleted[table] = deleted.get(table, 0) + count
    assert deleted == before_t1
    with factory() as session:
        assert rows_of(session, "T1") == {}
        assert rows_of(session, "T2") == before_t2


def test_an_uninstall_mark_is_set_again_and_cleared_on_reinstall(engine: Engine) -> None:
    factory = make_session_factory(engine)
    later = NOW.replace(day=30)
    with factory.begin() as session:
        privacy.mark_uninstalled(session, "T1", NOW)
        fill_workspace(session, "T2")
        privacy.mark_uninstalled(session, "T2", NOW)
    with factory.begin() as session:
        privacy.mark_uninstalled(session, "T1", later)
        privacy.keep_installed(session, "T2")
    with factory() as session:
        assert privacy.uninstalled_before(session, later) == ["T1"]
        assert privacy.uninstalled_before(session, NOW) == []
