"""The real app on loopback with both phone stand-ins pointed at it, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot import ids
from bot.runtime.slack_standin import SlackStandIn
from tests.services.phone.standins import AircallStandIn, LoopbackApp, TwilioStandIn
from tests.slack import Clock, SlackHarness

AIRCALL_TOKEN = "aircall-webhook-token-0001"
TWILIO_TOKEN = "twilio-auth-token-0001"
SECRET_KEY = Fernet.generate_key().decode()
JANE_PHONE = "+13125550100"


@dataclass
class Phones:
    slack: SlackHarness
    aircall: AircallStandIn
    twilio: TwilioStandIn


@pytest.fixture
def phones(engine: Engine, standin: SlackStandIn, clock: Clock) -> Iterator[Phones]:
    standin.clear()
    standin.users.clear()
    loopback = LoopbackApp()
    slack = SlackHarness(
        engine,
        standin,
        clock,
        aircall_webhook_token=AIRCALL_TOKEN,
        twilio_auth_token=TWILIO_TOKEN,
        public_url=loopback.url,
        secret_key=SECRET_KEY,
    )
    loopback.wsgi = slack.wsgi
    with loopback.running():
        yield Phones(
            slack,
            AircallStandIn(loopback.url, AIRCALL_TOKEN),
            TwilioStandIn(loopback.url, TWILIO_TOKEN),
        )


def add_jane(slack: SlackHarness) -> None:
    reply = slack.command(ids.PROSPECT, "add Jane Doe phone:+1 312 555 0100 company:Acme")
    assert "Jane Doe" in reply.text
    slack.standin.clear()
