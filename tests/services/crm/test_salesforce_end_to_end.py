"""Salesforce end to end: the real `simple-salesforce` over TLS to a loopback Salesforce
whose certificate comes from a test CA, Slack's stand-in, both databases."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot import ids
from bot.blocks.crm import KIND, SF_ACCESS_TOKEN, SF_INSTANCE_URL
from bot.blocks.modals import FIELD
from storage.models import CrmConnectionRow, CrmOutboxRow, ProspectRow
from tests.handlers.interactions import click, open_home, responses, submit, text_of, views
from tests.services.crm.conftest import SECRET_KEY, CrmHarness
from tests.services.crm.standins import SALESFORCE_TOKEN, SalesforceStandIn, fixture
from tests.services.crm.test_hubspot_end_to_end import ADMIN, logcall, undo_button

TASKS = r"/services/data/v59.0/sobjects/Task/"


def form_values(**fields: str) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        KIND: {FIELD: {"type": "static_select", "selected_option": {"value": "salesforce"}}}
    }
    for block_id, value in fields.items():
        values[block_id] = {FIELD: {"type": "plain_text_input", "value": value}}
    return values


def connect(
    slack: CrmHarness, salesforce: SalesforceStandIn, token: str = SALESFORCE_TOKEN
) -> dict[str, Any]:
    slack.standin.users[ADMIN] = {"is_admin": True}
    slack.command(ids.PROSPECT, "crm", user=ADMIN)
    view = views(slack, "views.open")[-1]
    values = form_values(**{SF_INSTANCE_URL: salesforce.url, SF_ACCESS_TOKEN: token})
    return submit(slack, view, values, user=ADMIN).json


def test_connecting_checks_the_token_over_tls_and_stores_it_sealed(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refused = connect(salesforce_slack, salesforce, token="00D5g000004hSmo!WRONGtokenWRONG")
    assert "Salesforce refused the access token (401" in refused["errors"][SF_ACCESS_TOKEN]
    answer = connect(salesforce_slack, salesforce)
    assert answer["response_action"] == "update"
    assert "Connected to *Salesforce* (account 00D5g000004hSmoEAE)" in json.dumps(answer)
    with salesforce_slack.session_factory() as session:
        row = session.scalars(select(CrmConnectionRow)).one()
    assert SALESFORCE_TOKEN not in (row.credentials or "")
    opened = json.loads(Fernet(SECRET_KEY.encode()).decrypt(row.credentials.encode()))  # type: ignore[union-attr]
    assert opened == {"instance_url": salesforce.url, "access_token": SALESFORCE_TOKEN}
    assert SALESFORCE_TOKEN not in caplog.text and "WRONGtokenWRONG" not in caplog.text


def test_the_form_wants_a_token_and_a_salesforce_instance_it_checks_before_connecting(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    salesforce_slack.standin.users[ADMIN] = {"is_admin": True}
    salesforce_slack.command(ids.PROSPECT, "crm", user=ADMIN)
    view = views(salesforce_slack, "views.open")[-1]
    token_only = submit(salesforce_slack, view, form_values(**{SF_ACCESS_TOKEN: "x"}), user=ADMIN)
    assert SF_INSTANCE_URL in token_only.json["errors"]
    plain_http = form_values(
        **{SF_INSTANCE_URL: "http://acme.my.salesforce.com", SF_ACCESS_TOKEN: "x"}
    )
    answer = submit(salesforce_slack, view, plain_http, user=ADMIN).json
    assert "https://" in answer["errors"][SF_INSTANCE_URL]
    asked = len(salesforce.requests)
    for elsewhere in ("https://10.0.0.7", "https://acme.my.salesforce.com:8443"):
        values = form_values(**{SF_INSTANCE_URL: elsewhere, SF_ACCESS_TOKEN: SALESFORCE_TOKEN})
        answer = submit(salesforce_slack, view, values, user=ADMIN).json
        assert "not a Salesforce host" in answer["errors"][SF_INSTANCE_URL]
    assert len(salesforce.requests) == asked


def test_leads_and_contacts_owned_by_the_rep_come_in_page_by_page(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect(salesforce_slack, salesforce)
    rep = salesforce.add_user("u1@example.com")
    other = salesforce.add_user("someone@example.com")
    logcall(salesforce_slack, "Bertha Boxer vm email:bertha@fcof.net")
    day = datetime(2026, 11, 20, tzinfo=UTC)
    shape = fixture("salesforce_query_page.json")["records"][0]
    lead = {k: v for k, v in shape.items() if k not in ("attributes", "Id", "LastModifiedDate")}
    salesforce.add_record("Lead", day, **{**lead, "OwnerId": rep})
    for n in range(4):
        salesforce.add_record(
            "Lead", day, FirstName="Lead", LastName=f"N{n}", Company="Acme", OwnerId=rep
        )
    carla_id = salesforce.add_record(
        "Contact",
        day,
        FirstName="Carla",
        LastName="Contact",
        MobilePhone="+1 415 555 0199",
        OwnerId=rep,
        **{"Account.Name": "Globex"},
    )
    salesforce.add_record(
        "Lead", day, FirstName="Not", LastName="Yours", Company="X", OwnerId=other
    )
    for amount, closed in ((25000.0, False), (99000.0, True), (5000.0, False)):
        salesforce.add_record(
            "OpportunityContactRole",
            day,
            ContactId=carla_id,
            **{"Opportunity.Amount": amount, "Opportunity.IsClosed": closed},
        )

    salesforce_slack.tick()

    with salesforce_slack.session_factory() as session:
        rows = session.scalars(select(ProspectRow).order_by(ProspectRow.id)).all()
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {
        "Bertha Boxer",
        "Lead N0",
        "Lead N1",
        "Lead N2",
        "Lead N3",
        "Carla Contact",
    }
    bertha = by_name["Bertha Boxer"]
    assert (bertha.crm_object, bertha.company, bertha.phone) == (
        "lead",
        "Farmers Coop. of Florida",
        "+18506444200",
    )
    carla = by_name["Carla Contact"]
    assert (carla.crm_object, carla.company, carla.cell) == ("contact", "Globex", "+14155550199")
    assert carla.deal_value == 25000  # the largest open opportunity
    follow_ups = [r for r in salesforce.requests if "/query/01g" in r.path]
    assert len(follow_ups) >= 2  # five leads at two a page follow nextRecordsUrl twice


def test_a_call_becomes_a_completed_call_task_and_undo_deletes_it(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect(salesforce_slack, salesforce)
    rep = salesforce.add_user("u1@example.com")
    salesforce_slack.tick()
    reply = logcall(salesforce_slack, "Jane Doe wrong phone:+1 212 555 0143 company:Globex dialed")
    salesforce_slack.standin.clear()
    salesforce_slack.tick()

    [lead_id] = salesforce.records["Lead"]
    blank = {"Id": "", "CreatedDate": "", "LastModifiedDate": ""}
    assert salesforce.records["Lead"][lead_id] | blank == {
        "FirstName": "Jane",
        "LastName": "Doe",
        "Company": "Globex",
        "Phone": "+12125550143",
        "OwnerId": rep,
        "IsConverted": False,
        "Id": "",
        "CreatedDate": "",
        "LastModifiedDate": "",
    }
    [(task_id, task)] = salesforce.records["Task"].items()
    assert {k: v for k, v in task.items() if k not in blank} == {
        "Subject": "Wrong number (phonetag T1-1)",
        "TaskSubtype": "Call",
        "Status": "Completed",
        "CallDisposition": "Wrong number",
        "CallType": "Outbound",
        "ActivityDate": "2026-11-23",
        "WhoId": lead_id,
        "Description": "To: +12125550143\ndialed",
        "OwnerId": rep,
    }
    [told] = responses(salesforce_slack)
    assert "also logged in Salesforce" in text_of(told)
    show = salesforce_slack.command(ids.PROSPECT, "show Jane Doe")
    assert f"{salesforce.url}/lightning/r/Lead/{lead_id}/view" in show.text

    salesforce_slack.clock.now += timedelta(minutes=1)
    click(salesforce_slack, ids.LOGCALL_UNDO, undo_button(reply))
    salesforce_slack.tick()
    assert salesforce.records["Task"] == {}
    assert [r.path for r in salesforce.requests if r.method == "DELETE"] == [f"{TASKS}{task_id}"]


def test_the_daily_request_limit_holds_calls_for_an_hour_then_sends_them_once(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect(salesforce_slack, salesforce)
    salesforce_slack.tick()
    salesforce.fail_next("POST", TASKS, 403, fixture("salesforce_request_limit.json"))
    logcall(salesforce_slack, "Jane Doe vm")
    salesforce_slack.tick()
    assert salesforce.records["Task"] == {}
    open_home(salesforce_slack)
    home = json.dumps(views(salesforce_slack, "views.publish")[-1])
    assert "1 call waiting to reach Salesforce: Salesforce's daily API request limit" in home
    with salesforce_slack.session_factory() as session:
        row = session.scalars(select(CrmOutboxRow)).one()
    assert row.next_attempt_at == salesforce_slack.clock.now + timedelta(hours=1)

    salesforce_slack.clock.now += timedelta(minutes=59)
    salesforce_slack.tick()
    assert salesforce.records["Task"] == {}
    salesforce_slack.clock.now += timedelta(minutes=2)
    salesforce_slack.tick()
    salesforce_slack.tick()
    assert len(salesforce.records["Task"]) == 1
