"""The Friday weekly picture against the Slack stand-in: on time, once a week, picture and all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.scheduler import start_digest_scheduler
from bot.runtime.slack_standin import UPLOAD_URL, SlackStandIn
from bot.services.digest_delivery import TickReport
from bot.services.slack_delivery import digest_web_client
from bot.services.weekly_delivery import WEEKLY, run_weekly_tick
from storage import insights as insights_store
from storage.db import make_session_factory
from storage.models import CallLogRow, DeliveryRow, ProspectRow, RepRow
from tests.blockkit import assert_valid_message

SETUP = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
# Friday 20 November 2026, 15:00 in Chicago (CST): the default weekly time.
FRIDAY_1500 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def slack_api(standin: SlackStandIn) -> Iterator[SlackStandIn]:
    standin.clear()
    yield standin
    standin.clear()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def client_for(slack_api: SlackStandIn) -> WebClient:
    return digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack_api.base_url)
    )


def add_rep(factory: sessionmaker[Session], user: str, **settings: object) -> None:
    """A Chicago rep who dialled twice this week (one connect) and once last week."""
    with factory.begin() as session:
        session.add(
            RepRow(team_id="T1", user_id=user, tz="America/Chicago", created_at=SETUP, **settings)
        )
        prospect = ProspectRow(
            team_id="T1",
            owner_id=user,
            name=f"Lead of {user}",
            name_key=f"lead of {user.casefold()}",
            tz="America/New_York",
            tz_inferred=False,
            status="active",
            created_at=SETUP,
        )
        session.add(prospect)
        session.flush()
        for at, outcome in (
            (FRIDAY_1500 - timedelta(days=1), "connected"),
            (FRIDAY_1500 - timedelta(days=2), "vm"),
            (FRIDAY_1500 - timedelta(days=8), "noanswer"),
        ):
            session.add(
                CallLogRow(
                    team_id="T1",
                    prospect_id=prospect.id,
                    rep_user_id=user,
                    at=at,
                    outcome=outcome,
                    notes="",
                )
            )


def tick(factory: sessionmaker[Session], slack_api: SlackStandIn, now: datetime) -> TickReport:
    return run_weekly_tick(factory, lambda team_id: client_for(slack_api), now)


def posted(slack_api: SlackStandIn) -> Counter[str]:
    return Counter(
        c.args["channel"] for c in slack_api.calls_to("chat.postMessage") if c.answered_ok
    )


def uploaded(slack_api: SlackStandIn) -> Counter[str]:
    return Counter(
        c.args["channel_id"]
        for c in slack_api.calls_to("files.completeUploadExternal")
        if c.answered_ok
    )


def weekly_rows(factory: sessionmaker[Session]) -> list[DeliveryRow]:
    with factory() as session:
        return list(session.scalars(select(DeliveryRow).where(DeliveryRow.kind == WEEKLY)))


def test_friday_afternoon_brings_one_message_and_one_picture_a_week(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1")
    for minutes in (-60 * 24, -1):  # Thursday, and Friday a minute early
        tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=minutes))
    assert slack_api.calls == []
    for minutes in (0, 0, 1, 120, 500):
        tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=minutes))
    tick(factory, slack_api, FRIDAY_1500 + timedelta(days=1))  # Saturday
    assert posted(slack_api) == {"DU1": 1} and uploaded(slack_api) == {"DU1": 1}

    (message,) = slack_api.calls_to("chat.postMessage")
    assert_valid_message(message.args)
    assert message.args["text"].startswith("Your week so far: 2 dials (1 last week)")
    (data,) = [c.args["data"] for c in slack_api.calls_to(UPLOAD_URL)]
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    (row,) = weekly_rows(factory)
    assert (row.status, row.local_date.isoformat(), row.channel) == ("sent", "2026-11-16", "DU1")

    tick(factory, slack_api, FRIDAY_1500 + timedelta(days=7))
    assert posted(slack_api) == {"DU1": 2} and uploaded(slack_api) == {"DU1": 2}


def test_a_rep_who_turned_it_off_gets_nothing_and_a_later_time_is_kept(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U_OFF")
    with factory.begin() as session:
        insights_store.set_weekly_time(session, "T1", "U_OFF", None)
    add_rep(factory, "U_LATE", weekly_time="17:30")
    tick(factory, slack_api, FRIDAY_1500 + timedelta(hours=2))
    assert posted(slack_api) == {}
    tick(factory, slack_api, FRIDAY_1500 + timedelta(hours=2, minutes=30))
    assert posted(slack_api) == {"DU_LATE": 1}


def test_a_refused_message_is_retried_and_a_failed_picture_is_not(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1")
    slack_api.fail_for("chat.postMessage", {}, "internal_error")
    assert tick(factory, slack_api, FRIDAY_1500).failed
    assert slack_api.calls_to("files.getUploadURLExternal") == []
    slack_api.clear_faults()
    slack_api.fail_for("files.getUploadURLExternal", {}, "invalid_arguments")
    assert tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=1)).sent
    (row,) = weekly_rows(factory)
    assert row.status == "sent" and row.last_error == "picture not uploaded: invalid_arguments"
    slack_api.clear_faults()
    tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=2))
    assert posted(slack_api) == {"DU1": 1} and uploaded(slack_api) == {}


def test_the_in_process_scheduler_sends_the_weekly_picture_too(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1")
    scheduler = start_digest_scheduler(
        factory, lambda team_id: client_for(slack_api), clock=lambda: FRIDAY_1500
    )
    try:
        (job,) = scheduler.get_jobs()
        job.func()
    finally:
        scheduler.shutdown(wait=False)
    assert uploaded(slack_api) == {"DU1": 1}


def test_numbers_that_landed_behind_a_lost_answer_are_found_and_their_picture_follows_once(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1")
    slack_api.answer_next("chat.postMessage", "<html>502</html>", 502, performed=True)
    assert tick(factory, slack_api, FRIDAY_1500).unknown
    assert not tick(factory, slack_api, FRIDAY_1500 + timedelta(seconds=59)).acted  # its wait
    assert tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=1)).sent
    tick(factory, slack_api, FRIDAY_1500 + timedelta(minutes=30))
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert uploaded(slack_api) == {"DU1": 1}
    (row,) = weekly_rows(factory)
    assert (row.status, row.attempts) == ("sent", 1)
