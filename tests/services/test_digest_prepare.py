"""Digests built ahead of their minute: posted as stored when nothing changed, built anew
when something did, and gone once the day settles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.insights.digest_plan import ProspectHistory
from bot.rules.cadence import CadenceRules
from bot.rules.call_summary import CallSummary
from bot.rules.calls import Prospect, Rep
from bot.rules.schedule import DigestSchedule
from bot.runtime.slack_standin import SlackStandIn
from bot.services import digest_delivery
from bot.services.digest_delivery import TickShare
from bot.services.digest_prepare import run_prepare_tick
from bot.services.slack_delivery import posts_in_flight_for
from storage import digest as digest_store
from storage import prepared_digests
from storage import standing as standing_store
from storage.db import make_session_factory
from storage.digest import NO_CALLS, DigestRecipient
from storage.models import (
    NOT_KNOWN,
    CallLogRow,
    OwedReturnCallRow,
    PreparedDigestRow,
    ProspectRow,
    RepRow,
)
from storage.privacy import erase_prospect
from tests.services.test_digest_delivery import add_rep, client_for

DUE = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
"""07:00 in Chicago on Monday 5 January 2026: the reps' digest time (the default)."""
AHEAD = timedelta(minutes=5)
SCHEDULE = DigestSchedule.from_settings("07:00", "mon,tue,wed,thu,fri", "America/Chicago")


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def slack_api(standin: SlackStandIn) -> Iterator[SlackStandIn]:
    standin.clear()
    yield standin
    standin.clear()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The reps whose digest the minute's tick builds (rather than posts as prepared)."""
    built: list[str] = []
    real = digest_delivery.build_batch

    def counting(reads: Any, keys: Any, due: Any, now: datetime) -> Any:
        built.extend(key.rep_user_id for key in keys)
        return real(reads, keys, due, now)

    monkeypatch.setattr(digest_delivery, "build_batch", counting)
    yield built


def prepare(factory: sessionmaker[Session], now: datetime):  # type: ignore[no-untyped-def]
    return run_prepare_tick(factory, lambda team: None, now, ahead=AHEAD)  # type: ignore[arg-type,return-value]


def tick(factory: sessionmaker[Session], slack_api: SlackStandIn, now: datetime):  # type: ignore[no-untyped-def]
    return digest_delivery.run_digest_tick(
        factory, lambda team: client_for(slack_api), now, posts_per_second=50
    )


def prepared_rows(factory: sessionmaker[Session]) -> list[PreparedDigestRow]:
    with factory() as session:
        return list(session.scalars(select(PreparedDigestRow)))


def standings(factory: sessionmaker[Session]) -> set[datetime | None]:
    with factory() as session:
        return set(session.scalars(select(ProspectRow.due_at)))


def posted_texts(slack_api: SlackStandIn) -> dict[str, str]:
    return {
        c.args["channel"]: str(c.args["blocks"])
        for c in slack_api.calls_to("chat.postMessage")
        if c.answered_ok
    }


def test_only_digests_coming_due_within_the_lead_are_prepared_and_only_once(
    factory: sessionmaker[Session],
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    add_rep(factory, "U2", "America/Chicago", digest_time="07:10")
    assert prepare(factory, DUE - AHEAD - timedelta(minutes=1)).built == 0
    report = prepare(factory, DUE - AHEAD)
    assert report.built == 1
    [row] = prepared_rows(factory)
    assert (row.rep_user_id, row.digest_at, row.local_date.isoformat()) == (
        "U1",
        DUE,
        "2026-01-05",
    )
    assert row.message["blocks"]
    # The next minute's preparation leaves it be; at the minute itself it is due, not coming.
    assert prepare(factory, DUE - AHEAD + timedelta(minutes=1)).built == 0
    assert prepare(factory, DUE).built == 0
    assert [r.rep_user_id for r in prepared_rows(factory)] == ["U1"]


def test_an_unchanged_digest_is_posted_as_prepared_without_a_build(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    add_rep(factory, "U2", "America/Chicago", team="T2")
    assert standings(factory) == {NOT_KNOWN}
    prepare(factory, DUE - timedelta(minutes=3))
    stored = {row.rep_user_id: row.message for row in prepared_rows(factory)}
    # Preparing wrote the standings it worked out back: not a change to the digest's data.
    assert NOT_KNOWN not in standings(factory)

    report = tick(factory, slack_api, DUE)

    assert builds == []
    assert report.from_prepared == 2
    assert sorted(key.rep_user_id for key in report.sent) == ["U1", "U2"]
    posts = {c.args["channel"]: c.args for c in slack_api.calls_to("chat.postMessage")}
    assert posts["U1"]["blocks"] == stored["U1"]["blocks"]
    assert posts["U1"]["metadata"]["event_type"] == "phonetag_digest"
    # Settled days need their prepared digests no more; a second tick posts nothing again.
    assert prepared_rows(factory) == []
    assert tick(factory, slack_api, DUE + timedelta(seconds=30)).sent == []
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_a_digest_whose_data_changed_since_is_built_anew_with_the_change(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    add_rep(factory, "U2", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    with factory.begin() as session:
        # U2 adds a prospect due today after their digest was prepared.
        session.add(
            ProspectRow(
                team_id="T1",
                owner_id="U2",
                name="Zelda Latecomer",
                name_key="zelda latecomer",
                tz="America/Chicago",
                tz_inferred=False,
                status="active",
                follow_up_at=DUE - timedelta(hours=1),
                created_at=DUE - timedelta(minutes=2),
            )
        )

    report = tick(factory, slack_api, DUE)

    assert builds == ["U2"]
    assert report.from_prepared == 1
    assert sorted(key.rep_user_id for key in report.sent) == ["U1", "U2"]
    texts = posted_texts(slack_api)
    assert "Zelda Latecomer" in texts["U2"]
    assert "Zelda Latecomer" not in texts["U1"]
    assert prepared_rows(factory) == []


def test_a_call_logged_after_preparing_rebuilds_the_digest(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    with factory.begin() as session:
        prospect_id = session.scalars(select(ProspectRow.id)).one()
        session.add(
            CallLogRow(
                team_id="T1",
                prospect_id=prospect_id,
                rep_user_id="U1",
                at=DUE - timedelta(minutes=1),
                outcome="connected",
                notes="",
            )
        )
        # As every path that adds a call does, the prospect's standing is worked out anew.
        standing_store.forget(session, "T1", [prospect_id])

    report = tick(factory, slack_api, DUE)

    assert builds == ["U1"]
    assert report.from_prepared == 0
    assert [key.rep_user_id for key in report.sent] == ["U1"]


def test_a_retry_after_the_minute_builds_anew(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    slack_api.fail_next("chat.postMessage", error="internal_error", status=200)

    assert tick(factory, slack_api, DUE).failed
    # The failed day keeps its preparation until it settles, but a retry minutes later plans
    # for its own instant.
    assert [r.rep_user_id for r in prepared_rows(factory)] == ["U1"]
    report = tick(factory, slack_api, DUE + timedelta(minutes=2))

    assert [key.rep_user_id for key in report.sent] == ["U1"]
    assert report.from_prepared == 0
    assert builds == ["U1"]
    assert prepared_rows(factory) == []


def test_a_dry_run_builds_and_leaves_the_preparation_alone(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    report = digest_delivery.run_digest_tick(
        factory, lambda team: client_for(slack_api), DUE, dry_run=True
    )
    assert list(report.previews) and builds == ["U1"]
    assert slack_api.calls_to("chat.postMessage") == []
    assert len(prepared_rows(factory)) == 1


def test_stale_preparations_are_pruned_a_day_after_they_were_due(
    factory: sessionmaker[Session],
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    with factory.begin() as session:
        digest_store.set_digest_settings(session, "T1", "U1", paused=True)
    assert prepare(factory, DUE + timedelta(hours=23)).pruned == 0
    assert prepare(factory, DUE + timedelta(days=1, minutes=1)).pruned == 1
    assert prepared_rows(factory) == []


def test_the_fingerprint_is_the_data_not_where_it_sits_in_memory(
    factory: sessionmaker[Session],
) -> None:
    """Read twice, the same data gives the same fingerprint (no object address in it), so
    another process can tell a prepared digest is current."""
    add_rep(factory, "U1", "America/Chicago")
    with factory() as session:
        [recipient] = digest_store.digest_recipients(session)
        first = digest_store.digest_inputs(session, [("T1", "U1")], DUE)[("T1", "U1")]
        second = digest_store.digest_inputs(session, [("T1", "U1")], DUE)[("T1", "U1")]
    assert " at 0x" not in repr((recipient, first))
    assert prepared_digests.digest_fingerprint(
        recipient, first
    ) == prepared_digests.digest_fingerprint(recipient, second)


def test_posts_in_flight_cover_each_workspace_pace_over_the_latency() -> None:
    # 10 a second answered in 150 ms: 1.5 in flight, half again for slow answers, one more.
    assert posts_in_flight_for(10, 0.15, teams=20, most=100) == 20 * 4
    assert posts_in_flight_for(10, 0.15, teams=40, most=100) == 100
    assert posts_in_flight_for(1, 0.01, teams=0, most=100) == 2


def test_the_fingerprint_ignores_the_order_rows_come_back_in() -> None:
    """PostgreSQL hands the same rows back in another order from one read to the next."""
    first, second = (
        ProspectHistory(Prospect(id=n, name=f"Prospect {n}"), CallSummary()) for n in (1, 2)
    )
    recipient = DigestRecipient("T1", Rep("U1", "America/Chicago"), SCHEDULE, when_empty=False)
    one_way = digest_store.DigestInputs([first, second], [], CadenceRules())
    other_way = digest_store.DigestInputs([second, first], [], CadenceRules())
    changed = digest_store.DigestInputs(
        [first, ProspectHistory(Prospect(id=2, name="Prospect 2", snoozed_until=DUE), NO_CALLS)],
        [],
        CadenceRules(),
    )
    fingerprint = prepared_digests.digest_fingerprint
    assert fingerprint(recipient, one_way) == fingerprint(recipient, other_way)
    assert fingerprint(recipient, one_way) != fingerprint(recipient, changed)


def test_erasing_a_prospect_drops_their_owners_prepared_digest(
    factory: sessionmaker[Session],
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    add_rep(factory, "U2", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    with factory.begin() as session:
        prospect_id = session.scalars(
            select(ProspectRow.id).where(ProspectRow.owner_id == "U1")
        ).one()
        assert erase_prospect(session, "T1", prospect_id, b"k" * 32, DUE) is not None
    assert [row.rep_user_id for row in prepared_rows(factory)] == ["U2"]


@pytest.mark.parametrize("edit", ["snoozed", "owed call returned", "calling day"])
def test_an_edit_after_preparing_rebuilds_the_digest(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str], edit: str
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    add_rep(factory, "U2", "America/Chicago")
    prepare(factory, DUE - timedelta(minutes=3))
    with factory.begin() as session:
        if edit == "snoozed":
            prospect = session.scalars(
                select(ProspectRow).where(ProspectRow.owner_id == "U1")
            ).one()
            prospect.snoozed_until = DUE + timedelta(days=3)
        elif edit == "owed call returned":
            owed = session.scalars(
                select(OwedReturnCallRow).where(OwedReturnCallRow.rep_user_id == "U1")
            ).one()
            owed.returned_at = DUE - timedelta(minutes=1)
        else:
            rep = session.scalars(select(RepRow).where(RepRow.user_id == "U1")).one()
            rep.working_day = "10:00-16:00"

    report = tick(factory, slack_api, DUE)

    assert builds == ["U1"]
    assert report.from_prepared == 1
    assert sorted(key.rep_user_id for key in report.sent + report.empty) == ["U1", "U2"]


def test_each_of_a_boxs_tick_processes_posts_its_own_workspaces_prepared_digests(
    factory: sessionmaker[Session], slack_api: SlackStandIn, builds: list[str]
) -> None:
    """Each process paces the workspaces it posts to, so two must not post to one."""
    add_rep(factory, "U1", "America/Chicago", team="T1")
    add_rep(factory, "U2", "America/Chicago", team="T2")
    prepare(factory, DUE - timedelta(minutes=3))

    first = digest_delivery.run_digest_tick(
        factory,
        lambda team: client_for(slack_api),
        DUE,
        share=TickShare(0, 2),
        posts_per_second=50,
    )
    second = digest_delivery.run_digest_tick(
        factory,
        lambda team: client_for(slack_api),
        DUE,
        share=TickShare(1, 2),
        posts_per_second=50,
    )

    assert [key.team_id for key in first.sent] == ["T1"]
    assert [key.team_id for key in second.sent] == ["T2"]
    assert builds == []


def zelda(factory: sessionmaker[Session], **standing: object) -> int:
    """U1's prospect due today (a follow-up set for an hour before the digest), with the
    stored standing given (not known unless told)."""
    with factory.begin() as session:
        prospect = ProspectRow(
            team_id="T1",
            owner_id="U1",
            name="Zelda Latecomer",
            name_key="zelda latecomer",
            tz="America/Chicago",
            tz_inferred=False,
            status="active",
            follow_up_at=DUE - timedelta(hours=1),
            created_at=DUE - timedelta(days=2),
            **standing,
        )
        session.add(prospect)
        session.flush()
        return prospect.id


def standing_of_row(factory: sessionmaker[Session], prospect_id: int) -> Any:
    with factory() as session:
        return session.execute(
            select(ProspectRow.due_at, ProspectRow.stage, ProspectRow.standing_version).where(
                ProspectRow.id == prospect_id
            )
        ).one()


def test_a_standing_worked_out_while_preparing_is_stored_as_of_the_present(
    factory: sessionmaker[Session],
) -> None:
    """Prepared three minutes ahead, the digest is planned for its minute, but the standing
    written back is the present's: `/digest now` and the Home, meanwhile, still list her."""
    add_rep(factory, "U1", "America/Chicago", owes_a_call=False)
    prospect_id = zelda(factory)
    prepared_at = DUE - timedelta(minutes=3)

    prepare(factory, prepared_at)

    stored = standing_of_row(factory, prospect_id)
    assert stored.stage is not None
    assert stored.due_at <= prepared_at


def test_a_standing_that_ran_out_is_worked_out_again_and_stored(
    factory: sessionmaker[Session],
) -> None:
    """A stage change it named (no listing) passed yesterday: the next read stores where she
    stands now, instead of working it out from her calls every morning."""
    add_rep(factory, "U1", "America/Chicago", owes_a_call=False)
    prospect_id = zelda(factory, stage="attempting", due_at=DUE - timedelta(days=1))
    prepared_at = DUE - timedelta(minutes=3)

    prepare(factory, prepared_at)

    after = standing_of_row(factory, prospect_id)
    assert (after.stage, after.due_at) == ("new", prepared_at)
