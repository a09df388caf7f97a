"""A call logged from a phone system reaches the CRM with its real duration and recording;
a typed call sends neither field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.rules.calls import Outcome
from bot.services.crm.hubspot import HubSpotCrm
from bot.services.crm.port import CallDisposition, CallLinks, CallRecord, CrmKind, CrmRecordRef
from tests.services.crm.conftest import salesforce_adapters
from tests.services.crm.standins import (
    HUBSPOT_TOKEN,
    SALESFORCE_TOKEN,
    HubSpotStandIn,
    SalesforceStandIn,
)

RECORDING = "https://recordings.aircall.io/calls/9001.mp3?sig=abc"
CALL = CallRecord(
    reference="phonetag T1-1",
    outcome=Outcome.VOICEMAIL,
    disposition=CallDisposition.LEFT_VOICEMAIL,
    at=datetime(2026, 11, 23, 15, 42, tzinfo=UTC),
    day=date(2026, 11, 23),
    notes="",
    links=CallLinks(CrmRecordRef("501", "contact")),
    owner_id=None,
    duration_seconds=134,
    recording_url=RECORDING,
)


def test_hubspot_gets_duration_in_milliseconds_and_the_recording(
    hubspot: HubSpotStandIn,
) -> None:
    crm = HubSpotCrm(HUBSPOT_TOKEN, hubspot.url)
    phoned = hubspot.calls[crm.create_call(CALL)]["properties"]
    typed = hubspot.calls[
        crm.create_call(
            replace(CALL, reference="phonetag T1-2", duration_seconds=None, recording_url=None)
        )
    ]["properties"]
    assert (phoned["hs_call_duration"], phoned["hs_call_recording_url"]) == ("134000", RECORDING)
    assert "hs_call_duration" not in typed and "hs_call_recording_url" not in typed


def test_salesforce_gets_the_duration_in_seconds(
    salesforce: SalesforceStandIn, tmp_path: Path
) -> None:
    crm = salesforce_adapters(salesforce, tmp_path)(
        CrmKind.SALESFORCE, {"instance_url": salesforce.url, "access_token": SALESFORCE_TOKEN}
    )
    task = salesforce.records["Task"][crm.create_call(CALL)]
    assert task["CallDurationInSeconds"] == 134
