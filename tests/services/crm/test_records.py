"""Records that stay right, each case the way the vendor behaves: converted Leads, busy
orgs, batch limits, refusals told apart, and reps with no CRM user. Each test failed
before the fix it names. Real vendor clients against the loopback stand-ins, both
databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import ids
from storage.models import CrmOutboxRow, ProspectRow
from tests.handlers.interactions import open_home, responses, text_of, views
from tests.services.crm.conftest import CrmHarness
from tests.services.crm.standins import HubSpotStandIn, SalesforceStandIn
from tests.services.crm.test_hubspot_end_to_end import CALLS, logcall
from tests.services.crm.test_hubspot_end_to_end import connect as connect_hubspot
from tests.services.crm.test_salesforce_end_to_end import connect as connect_salesforce

DAY = datetime(2026, 11, 20, tzinfo=UTC)
TASKS = r"/services/data/v59.0/sobjects/Task/"


def outbox(slack: CrmHarness) -> list[tuple[str, str | None]]:
    with slack.session_factory() as session:
        rows = session.scalars(select(CrmOutboxRow).order_by(CrmOutboxRow.id)).all()
        return [(row.status, row.last_error) for row in rows]


# -- Salesforce ------------------------------------------------------------------------------


def test_a_call_to_a_converted_lead_goes_to_its_contact_and_account(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect_salesforce(salesforce_slack, salesforce)
    rep = salesforce.add_user("u1@example.com")
    lead = salesforce.add_record(
        "Lead", DAY, FirstName="Ann", LastName="Lee", Company="Northwind", OwnerId=rep
    )
    salesforce_slack.command(ids.VMSCRIPT, "profile phone:+1 312 555 0199")  # U1 is a rep
    salesforce_slack.tick()  # Ann comes in as the Lead
    account = "001D00000000000042"
    contact = salesforce.add_record(
        "Contact", DAY, FirstName="Ann", LastName="Lee", OwnerId=rep, AccountId=account
    )
    salesforce.records["Lead"][lead].update(
        IsConverted=True, ConvertedContactId=contact, ConvertedAccountId=account
    )
    logcall(salesforce_slack, "Ann Lee connected")
    assert salesforce_slack.tick().pushed == 1
    [task] = salesforce.records["Task"].values()
    assert (task["WhoId"], task["WhatId"]) == (contact, account)
    with salesforce_slack.session_factory() as session:
        ann = session.scalars(select(ProspectRow).where(ProspectRow.name == "Ann Lee")).one()
    assert (ann.crm_id, ann.crm_object) == (contact, "contact")


def test_unable_to_lock_row_waits_and_goes_again_instead_of_failing_the_call(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect_salesforce(salesforce_slack, salesforce)
    salesforce.add_user("u1@example.com")
    salesforce_slack.tick()
    logcall(salesforce_slack, "Jane Doe vm phone:+1 212 555 0143")
    salesforce.fail_next(
        "POST",
        TASKS,
        400,
        [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}],
    )
    assert salesforce_slack.tick().pushed == 0
    [(status, why)] = outbox(salesforce_slack)
    assert status == "pending" and "UNABLE_TO_LOCK_ROW" in (why or "")
    salesforce_slack.clock.now += timedelta(minutes=1)
    assert salesforce_slack.tick().pushed == 1
    assert len(salesforce.records["Task"]) == 1


def test_a_user_without_access_is_an_admins_matter_not_a_refused_record(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect_salesforce(salesforce_slack, salesforce)
    salesforce.add_user("u1@example.com")
    salesforce_slack.tick()
    logcall(salesforce_slack, "Jane Doe vm phone:+1 212 555 0143")
    salesforce.fail_next(
        "POST", TASKS, 403, [{"errorCode": "INSUFFICIENT_ACCESS", "message": "no access"}]
    )
    salesforce_slack.tick()
    [(status, why)] = outbox(salesforce_slack)
    assert status == "pending" and "lacks access" in (why or "")


# -- HubSpot ---------------------------------------------------------------------------------


def test_a_missing_scope_holds_the_calls_and_says_so_while_a_forbidden_record_is_set_aside(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect_hubspot(hubspot_slack)
    hubspot.add_owner("u1@example.com")
    hubspot_slack.tick()
    logcall(hubspot_slack, "Jane Doe vm phone:+1 212 555 0143")
    missing = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES",
    }
    hubspot.fail_next("POST", CALLS, 403, missing)
    hubspot_slack.tick()
    [(status, why)] = outbox(hubspot_slack)
    assert status == "pending" and "lacks a permission" in (why or "")
    assert "refused the access token" not in (why or "")

    hubspot_slack.clock.now += timedelta(minutes=16)
    forbidden = {"status": "error", "message": "Forbidden", "category": "FORBIDDEN"}
    hubspot.fail_next("POST", CALLS, 403, forbidden)
    logcall(hubspot_slack, "Jane Doe noanswer")
    hubspot_slack.tick()
    assert [status for status, _ in outbox(hubspot_slack)] == ["failed", "sent"]


def test_more_than_a_hundred_deals_are_read_in_batches_hubspot_accepts(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect_hubspot(hubspot_slack)
    owner = hubspot.add_owner("u1@example.com")
    for n in range(60):
        contact = hubspot.add_contact(
            DAY, firstname="Lead", lastname=f"N{n:02d}", hubspot_owner_id=owner
        )
        hubspot.add_deal(contact, "1000")
        hubspot.add_deal(contact, str(2000 + n))
    hubspot_slack.command(ids.VMSCRIPT, "profile phone:+1 312 555 0199")  # U1 becomes a rep
    hubspot_slack.tick()
    with hubspot_slack.session_factory() as session:
        values = session.scalars(select(ProspectRow.deal_value)).all()
    assert len(values) == 60 and all(v is not None and v >= 2000 for v in values)
    assert all(r.status == 200 for r in hubspot.sent("POST", r".*/batch/read"))


def test_a_page_hubspot_refuses_part_of_still_comes_in_and_the_rep_hears_why(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect_hubspot(hubspot_slack)
    owner = hubspot.add_owner("u1@example.com")
    contact = hubspot.add_contact(DAY, firstname="Ann", lastname="Lee", hubspot_owner_id=owner)
    hubspot.add_deal(contact, "1000")
    hubspot_slack.command(ids.VMSCRIPT, "profile phone:+1 312 555 0199")  # U1 becomes a rep
    hubspot.fail_next(
        "POST",
        r"/crm/v3/objects/deals/batch/read",
        400,
        {"status": "error", "message": "Invalid input", "category": "VALIDATION_ERROR"},
    )
    hubspot_slack.command(ids.PROSPECT, "sync")
    [said] = responses(hubspot_slack)
    assert "1 new" in text_of(said) and "deal amounts not read" in text_of(said)
    open_home(hubspot_slack)
    home = json.dumps(views(hubspot_slack, "views.publish")[-1])
    assert "The last pull came in, but HubSpot refused part of it" in home
    hubspot.add_contact(
        DAY + timedelta(days=1), firstname="Bo", lastname="Ng", hubspot_owner_id=owner
    )
    hubspot_slack.standin.clear()
    hubspot_slack.command(ids.PROSPECT, "sync")
    [said] = responses(hubspot_slack)
    assert "1 new" in text_of(said)  # the cursor moved past the refused page


def test_a_rep_with_no_crm_user_is_remembered_and_asked_about_again_a_day_later(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect_hubspot(hubspot_slack)
    hubspot_slack.tick()
    for _ in range(3):
        logcall(hubspot_slack, "Jane Doe vm phone:+1 212 555 0143")
        hubspot_slack.clock.now += timedelta(minutes=16)
        hubspot_slack.tick()
    assert len(hubspot.sent("GET", r"/crm/v3/owners/")) == 1
    assert len(hubspot.calls) == 3
    owner = hubspot.add_owner("u1@example.com")
    hubspot_slack.clock.now += timedelta(days=1)
    logcall(hubspot_slack, "Jane Doe noanswer")
    hubspot_slack.tick()
    assert len(hubspot.sent("GET", r"/crm/v3/owners/")) == 2
    newest = max(hubspot.calls.values(), key=lambda c: c["id"])
    assert newest["properties"]["hubspot_owner_id"] == owner


# -- never doubled ---------------------------------------------------------------------------


def test_a_lead_whose_create_answer_was_lost_is_found_not_made_again(
    salesforce_slack: CrmHarness, salesforce: SalesforceStandIn
) -> None:
    connect_salesforce(salesforce_slack, salesforce)
    salesforce.add_user("u1@example.com")
    salesforce_slack.tick()
    logcall(salesforce_slack, "Jane Doe vm")  # no phone, no email: nothing else to find her by
    salesforce.fail_next(
        "POST",
        r"/services/data/v59.0/sobjects/Lead/",
        500,
        [{"errorCode": "UNKNOWN_EXCEPTION"}],
        after_applying=True,
    )
    salesforce_slack.tick()
    assert len(salesforce.records["Lead"]) == 1 and salesforce.records["Task"] == {}
    salesforce_slack.clock.now += timedelta(minutes=1)
    assert salesforce_slack.tick().pushed == 1
    assert len(salesforce.records["Lead"]) == 1
    [task] = salesforce.records["Task"].values()
    assert task["WhoId"] == next(iter(salesforce.records["Lead"]))


def test_hubspot_contacts_and_calls_whose_answers_were_lost_are_not_doubled_by_search_lag(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect_hubspot(hubspot_slack)
    hubspot.add_owner("u1@example.com")
    hubspot_slack.tick()
    hubspot.search_lag = timedelta(seconds=20)
    logcall(hubspot_slack, "Jane Doe vm")
    hubspot.fail_next("POST", r"/crm/v3/objects/contacts", 502, after_applying=True)
    hubspot_slack.tick()
    hubspot_slack.clock.now += timedelta(seconds=30)
    hubspot.fail_next("POST", CALLS, 502, after_applying=True)
    hubspot_slack.tick()
    hubspot.search_lag = timedelta(minutes=5)  # the call is not searchable by the retry
    hubspot_slack.clock.now += timedelta(seconds=60)
    assert hubspot_slack.tick().pushed == 1
    assert len(hubspot.contacts) == 1 and len(hubspot.calls) == 1
