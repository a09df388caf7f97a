"""A database outage mid-run: reps are told nothing was saved, and service resumes by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from bot import ids
from bot.runtime.slack_standin import SlackStandIn
from bot.storage.db import make_engine, upgrade
from bot.storage.models import CallLogRow
from tests.postgres import ThrowawayPostgres, require_postgres
from tests.slack import Clock, SlackHarness


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    postgres = require_postgres()
    postgres.start()
    yield postgres
    postgres.stop()


@pytest.fixture
def outage_engine(cluster: ThrowawayPostgres) -> Iterator[Engine]:
    engine = make_engine(cluster.start())
    upgrade(engine)
    yield engine
    engine.dispose()


def test_requests_during_an_outage_are_refused_plainly_and_recovered_without_restart(
    cluster: ThrowawayPostgres, outage_engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    slack = SlackHarness(outage_engine, standin, clock)
    assert "Voicemail left" in slack.command(ids.LOGCALL, "Jane Doe vm").json["text"]

    cluster.pause()
    # As Slack sends what the rep typed: handed back decoded, then escaped once.
    typed = "Jane Doe noanswer phone:+1 312 555 0100 &lt;!channel&gt; &amp; co"
    during = slack.command(ids.LOGCALL, typed)
    assert during.status == 200
    assert "nothing was saved" in during.json["text"]
    assert (
        "/logcall Jane Doe noanswer phone:+1 312 555 0100 &lt;!channel&gt; &amp; co"
        in during.json["text"]
    )

    cluster.resume()
    after = slack.command(ids.LOGCALL, "Jane Doe connected")
    assert "Connected" in after.json["text"]
    with slack.session_factory() as session:
        outcomes = session.scalars(select(CallLogRow.outcome).order_by(CallLogRow.id)).all()
        assert outcomes == ["vm", "connected"]
        assert session.scalar(select(func.count()).select_from(CallLogRow)) == 2
