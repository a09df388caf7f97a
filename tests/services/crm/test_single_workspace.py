"""A single-workspace install: the CRM from the environment, sent by `phonetag digest`."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot import ids
from bot.runtime.cli import main
from bot.runtime.slack_standin import SlackStandIn
from storage.db import upgrade
from storage.models import CrmConnectionRow
from tests.engines import roomy_engine
from tests.services.crm.conftest import crm_harness
from tests.services.crm.standins import HUBSPOT_TOKEN, HubSpotStandIn
from tests.slack import BOT_TOKEN, MONDAY_MORNING, Clock


def test_the_environments_hubspot_serves_without_a_secret_key(
    engine: Engine, standin: SlackStandIn, clock: Clock, hubspot: HubSpotStandIn
) -> None:
    slack = crm_harness(
        engine, standin, clock, hubspot_access_token=HUBSPOT_TOKEN, hubspot_api_url=hubspot.url
    )
    hubspot.add_owner("u1@example.com")
    slack.command(ids.LOGCALL, "Jane Doe connected phone:+1 212 555 0143")
    report = slack.tick()
    assert report.pushed == 1 and len(hubspot.calls) == 1
    with slack.session_factory() as session:
        row = session.scalars(select(CrmConnectionRow)).one()
    assert (row.kind, row.credentials, row.account_id) == ("hubspot", None, "62515")
    assert "Open in HubSpot" in slack.command(ids.PROSPECT, "show Jane Doe").text


def test_the_environments_crm_pulls_for_a_rep_who_has_logged_nothing_yet(
    engine: Engine, standin: SlackStandIn, clock: Clock, hubspot: HubSpotStandIn
) -> None:
    slack = crm_harness(
        engine, standin, clock, hubspot_access_token=HUBSPOT_TOKEN, hubspot_api_url=hubspot.url
    )
    owner = hubspot.add_owner("u1@example.com")
    hubspot.add_contact(clock.now, firstname="Ann", lastname="Lee", hubspot_owner_id=owner)
    slack.command(ids.DIGEST, "time 08:00")  # a rep, with no call logged
    assert slack.tick().pulled == 1
    assert "Ann Lee" in slack.command(ids.PROSPECT, "list").text


def test_phonetag_digest_sends_the_outbox(
    tmp_path: Path,
    standin: SlackStandIn,
    hubspot: HubSpotStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'phonetag.db'}"
    engine = roomy_engine(url)
    upgrade(engine)
    clock = Clock(MONDAY_MORNING)
    slack = crm_harness(
        engine, standin, clock, hubspot_access_token=HUBSPOT_TOKEN, hubspot_api_url=hubspot.url
    )
    slack.command(ids.LOGCALL, "Jane Doe vm")
    engine.dispose()
    for name, value in {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": standin.base_url,
        "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_API_URL": hubspot.url,
    }.items():
        monkeypatch.setenv(name, value)
    at = (clock.now + timedelta(minutes=1)).isoformat()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert main(["digest", "--at", at]) == 0
    finally:
        root.handlers[:], root.level = handlers, level
    assert "1 calls pushed" in capsys.readouterr().out
    assert len(hubspot.calls) == 1
