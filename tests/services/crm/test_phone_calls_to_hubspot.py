"""A call logged from Aircall's event reaches HubSpot, through the outbox, with the call's
real time, duration and recording."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot import ids
from bot.runtime.slack_standin import SlackStandIn
from tests.handlers.interactions import click
from tests.services.crm.conftest import SECRET_KEY, CrmHarness, crm_harness
from tests.services.crm.standins import HubSpotStandIn
from tests.services.crm.test_hubspot_end_to_end import connect, pushed_calls
from tests.services.phone.standins import AircallStandIn
from tests.services.phone.test_end_to_end import ANSWERED, ENDED, RECORDING, STARTED
from tests.slack import Clock

AIRCALL_TOKEN = "aircall-token-for-crm"


@pytest.fixture
def slack(
    engine: Engine, standin: SlackStandIn, clock: Clock, hubspot: HubSpotStandIn
) -> CrmHarness:
    hubspot.clock = clock
    return crm_harness(
        engine,
        standin,
        clock,
        secret_key=SECRET_KEY,
        hubspot_api_url=hubspot.url,
        aircall_webhook_token=AIRCALL_TOKEN,
    )


def test_a_tapped_call_carries_its_duration_and_recording(
    slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(slack)
    slack.command(ids.PROSPECT, "add Jane Doe phone:+1 312 555 0100 company:Acme")
    body = AircallStandIn("http://unused", AIRCALL_TOKEN).call_event(
        "call.ended",
        call_id=31,
        direction="outbound",
        raw_digits="+1 312 555 0100",
        started_at=STARTED,
        answered_at=ANSWERED,
        ended_at=ENDED,
        recording=RECORDING,
    )
    posted = slack.post(json.dumps(body), {"Content-Type": "application/json"}, "/phone/aircall")
    assert posted.status == 200
    question = slack.standin.calls_to("chat.postMessage")[-1].args
    value = question["blocks"][-1]["elements"][0]["value"]
    click(slack, f"{ids.PHONE_LOG}:vm", value)
    slack.clock.now += timedelta(minutes=1)

    slack.tick()

    (pushed,) = pushed_calls(hubspot)
    properties = pushed["properties"]
    assert properties["hs_call_duration"] == "134000"
    assert properties["hs_call_recording_url"] == RECORDING
    assert properties["hs_timestamp"] == "2026-11-23T15:42:00Z"
