"""A Slack harness wired to a CRM stand-in, on both databases, with the tick at hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.runtime.slack_standin import SlackStandIn
from bot.services.crm.connections import AdapterFactory, build_adapter, default_adapters
from bot.services.crm.http import CrmHttp
from bot.services.crm.tick import CrmTickReport, run_crm_tick
from tests.services.crm.standins import HubSpotStandIn, SalesforceStandIn
from tests.slack import BOT_TOKEN, Clock, SlackHarness

SECRET_KEY = Fernet.generate_key().decode()


class CrmHarness(SlackHarness):
    """The Slack harness plus the CRM's minute tick, run as the scheduler would."""

    adapters: AdapterFactory

    def tick(self) -> CrmTickReport:
        return run_crm_tick(
            self.session_factory,
            self.settings,
            self.clock.now,
            client_for_team=lambda team: WebClient(token=BOT_TOKEN, base_url=self.standin.base_url),
            adapters=self.adapters,
            worker="test-worker",
        )


@pytest.fixture
def hubspot() -> Iterator[HubSpotStandIn]:
    running = HubSpotStandIn().start()
    yield running
    running.stop()


@pytest.fixture
def salesforce() -> Iterator[SalesforceStandIn]:
    running = SalesforceStandIn().start()
    yield running
    running.stop()


def standin_http(salesforce: SalesforceStandIn, folder: Path) -> CrmHttp:
    """Trusts the stand-in's test CA and admits its loopback address as Salesforce's."""
    return CrmHttp(ca_file=salesforce.ca_file(folder), loopback_for_tests=True)


def salesforce_adapters(
    salesforce: SalesforceStandIn, folder: Path, settings: Settings | None = None
) -> AdapterFactory:
    """Adapters whose Salesforce session trusts the stand-in's test CA."""
    http = standin_http(salesforce, folder)
    return lambda kind, credentials: build_adapter(settings or Settings(), http, kind, credentials)


def crm_harness(
    engine: Engine,
    standin: SlackStandIn,
    clock: Clock,
    adapters: AdapterFactory | None = None,
    **settings: object,
) -> CrmHarness:
    standin.clear()
    standin.users.clear()
    harness = CrmHarness(engine, standin, clock, crm_adapters=adapters, **settings)
    harness.adapters = adapters or default_adapters(harness.settings)
    return harness


@pytest.fixture
def hubspot_slack(
    engine: Engine, standin: SlackStandIn, clock: Clock, hubspot: HubSpotStandIn
) -> CrmHarness:
    hubspot.clock = clock
    return crm_harness(engine, standin, clock, secret_key=SECRET_KEY, hubspot_api_url=hubspot.url)


@pytest.fixture
def salesforce_slack(
    engine: Engine,
    standin: SlackStandIn,
    clock: Clock,
    salesforce: SalesforceStandIn,
    tmp_path: Path,
) -> CrmHarness:
    salesforce.clock = clock
    return crm_harness(
        engine, standin, clock, salesforce_adapters(salesforce, tmp_path), secret_key=SECRET_KEY
    )
