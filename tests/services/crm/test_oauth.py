"""Connecting through OAuth, end to end: an admin's `/prospect crm` (signed, through the real
app), the CRM's consent page (the stand-in's authorize answers 302 as the vendor's does once
the admin approves), then the redirect route; calls logged afterwards reach the CRM with the
right owner, date, disposition and associations, and expired access tokens are renewed
without the rep noticing. HubSpot through `hubspot-api-client`, Salesforce through
`simple-salesforce` over TLS; both databases."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from bot import ids
from bot.blocks.crm import OUTCOME_BLOCK
from bot.blocks.modals import FIELD
from bot.runtime.slack_standin import SlackStandIn
from bot.services.crm import oauth
from bot.services.crm.connections import default_adapters
from bot.services.crm.hubspot import CALL_TO_COMPANY, CALL_TO_CONTACT, CALL_TO_DEAL
from storage.models import CrmConnectionRow, CrmOAuthStateRow
from tests.handlers.interactions import click, open_home, submit, views
from tests.services.crm.conftest import SECRET_KEY, CrmHarness, crm_harness, standin_http
from tests.services.crm.standins import (
    HUBSPOT_CLIENT,
    SALESFORCE_CLIENT,
    HubSpotStandIn,
    SalesforceStandIn,
)
from tests.slack import Clock, Reply

ADMIN = "U9"
PUBLIC_URL = "https://phonetag.example.com"
CHICAGO_EVENING = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
"""6:30 PM on Monday Nov 23 in Chicago: already Tuesday in UTC."""


@pytest.fixture
def hubspot_oauth(
    engine: Engine, standin: SlackStandIn, clock: Clock, hubspot: HubSpotStandIn
) -> CrmHarness:
    hubspot.clock = clock
    hubspot.token = "no-token-yet"
    return crm_harness(
        engine,
        standin,
        clock,
        secret_key=SECRET_KEY,
        hubspot_api_url=hubspot.url,
        hubspot_app_url=hubspot.url,
        hubspot_client_id=HUBSPOT_CLIENT[0],
        hubspot_client_secret=HUBSPOT_CLIENT[1],
        public_url=PUBLIC_URL,
    )


@pytest.fixture
def salesforce_oauth(
    engine: Engine,
    standin: SlackStandIn,
    clock: Clock,
    salesforce: SalesforceStandIn,
    tmp_path: Path,
) -> CrmHarness:
    salesforce.clock = clock
    salesforce.token = "no-token-yet"
    http = standin_http(salesforce, tmp_path)
    harness = crm_harness(
        engine,
        standin,
        clock,
        crm_http=http,
        secret_key=SECRET_KEY,
        salesforce_client_id=SALESFORCE_CLIENT[0],
        salesforce_client_secret=SALESFORCE_CLIENT[1],
        salesforce_login_url=salesforce.url,
        public_url=PUBLIC_URL,
    )
    harness.adapters = default_adapters(harness.settings, http)
    return harness


def connect_link(slack: CrmHarness, label: str, user: str = ADMIN) -> str:
    slack.standin.users.setdefault(user, {"is_admin": True})
    reply = slack.command(ids.PROSPECT, "crm", user=user)
    found = re.search(rf"<([^|>]+)\|Connect {label}>", reply.text)
    assert found is not None, reply.text
    return html.unescape(found.group(1))


def approve(slack: CrmHarness, link: str, verify: str | bool = True) -> Reply:
    """The admin's browser: the CRM's consent page, then back to our redirect route."""
    consent = requests.get(link, allow_redirects=False, verify=verify, timeout=5)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC_URL
    return slack.get(back.path, back.query)


def sealed(slack: CrmHarness) -> dict[str, str]:
    with slack.session_factory() as session:
        row = session.scalars(select(CrmConnectionRow)).one()
    assert row.credentials is not None
    return json.loads(Fernet(SECRET_KEY.encode()).decrypt(row.credentials.encode()))


def rep_in_chicago(slack: CrmHarness) -> None:
    slack.standin.users["U1"] = {"tz": "America/Chicago"}
    slack.command(ids.VMSCRIPT, "profile phone:+1 312 555 0199")


# -- HubSpot ---------------------------------------------------------------------------------


def test_an_admin_connects_hubspot_and_calls_arrive_with_owner_date_outcome_and_links(
    hubspot_oauth: CrmHarness, hubspot: HubSpotStandIn, clock: Clock
) -> None:
    link = connect_link(hubspot_oauth, "HubSpot")
    asked = parse_qs(urlsplit(link).query)
    assert link.startswith(f"{hubspot.url}/oauth/authorize?")
    assert asked["redirect_uri"] == [f"{PUBLIC_URL}/crm/hubspot/oauth_redirect"]
    assert asked["client_id"] == [HUBSPOT_CLIENT[0]]
    assert set(asked["scope"][0].split()) == {
        "oauth",
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.owners.read",
        "crm.objects.deals.read",
        "crm.objects.companies.read",
    }

    page = approve(hubspot_oauth, link)
    assert page.status == 200 and "Connected to HubSpot" in page.body
    with hubspot_oauth.session_factory() as session:
        row = session.scalars(select(CrmConnectionRow)).one()
        assert (row.kind, row.connected_by, row.team_id) == ("hubspot", ADMIN, "T1")
        assert hubspot.token not in (row.credentials or "")
    assert sealed(hubspot_oauth)["access_token"] == hubspot.token
    assert sealed(hubspot_oauth)["refresh_token"] in hubspot.app.refresh_tokens

    owner = hubspot.add_owner("u1@example.com")
    clock.now = CHICAGO_EVENING
    rep_in_chicago(hubspot_oauth)
    hubspot_oauth.tick()
    jane = hubspot.add_contact(
        clock.now - timedelta(days=1),
        firstname="Jane",
        lastname="Doe",
        phone="+12125550143",
        hubspot_owner_id=owner,
    )
    company = hubspot.add_company(jane)
    hubspot.add_deal(jane, "5000", closed=True)
    open_deal = hubspot.add_deal(jane, "12000")
    hubspot_oauth.tick()  # not due a pull yet: /prospect sync brings Jane in
    hubspot_oauth.command(ids.PROSPECT, "sync")
    hubspot_oauth.command(ids.LOGCALL, "Jane Doe meeting booked the demo")
    assert hubspot_oauth.tick().pushed == 1
    [call] = [c for c in hubspot.calls.values()]
    assert call["properties"]["hubspot_owner_id"] == owner
    assert call["properties"]["hs_timestamp"] == "2026-11-24T00:30:00Z"
    assert call["properties"]["hs_call_from_number"] == "+13125550199"
    assert call["properties"]["hs_call_to_number"] == "+12125550143"
    linked = {(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in call["associations"]}
    assert linked == {
        (jane, CALL_TO_CONTACT),
        (company, CALL_TO_COMPANY),
        (open_deal, CALL_TO_DEAL),
    }

    # Forty minutes on, the 30-minute token has run out: it is renewed before any request.
    clock.now += timedelta(minutes=40)
    hubspot.requests.clear()
    hubspot_oauth.command(ids.LOGCALL, "Jane Doe vm left a message")
    assert hubspot_oauth.tick().pushed == 1
    assert hubspot.requests[0].path == "/oauth/v1/token"
    assert not [r for r in hubspot.requests if r.status == 401]
    assert len(hubspot.calls) == 2
    assert sealed(hubspot_oauth)["access_token"] == hubspot.token
    open_home(hubspot_oauth)
    assert "Every call you logged is in HubSpot" in json.dumps(
        views(hubspot_oauth, "views.publish")[-1]
    )


def test_a_link_works_once_for_ten_minutes_for_the_admin_who_asked(
    hubspot_oauth: CrmHarness, hubspot: HubSpotStandIn, clock: Clock
) -> None:
    link = connect_link(hubspot_oauth, "HubSpot")
    consent = requests.get(link, allow_redirects=False, timeout=5)
    back = urlsplit(consent.headers["Location"])
    assert hubspot_oauth.get(back.path, back.query).status == 200
    replayed = hubspot_oauth.get(back.path, back.query)
    assert replayed.status == 400 and "already used" in replayed.body

    late = connect_link(hubspot_oauth, "HubSpot")
    clock.now += timedelta(minutes=10, seconds=1)
    answer = approve(hubspot_oauth, late)
    assert answer.status == 400 and "expired" in answer.body

    # A state of one CRM is no use at the other's route, nor one Phone Tag never made.
    link = connect_link(hubspot_oauth, "HubSpot")
    back = urlsplit(requests.get(link, allow_redirects=False, timeout=5).headers["Location"])
    assert hubspot_oauth.get("/crm/salesforce/oauth_redirect", back.query).status == 400
    forged = hubspot_oauth.get(back.path, "code=x&state=made-up")
    assert forged.status == 400 and "Nothing was saved" in forged.body
    denied = hubspot_oauth.get(back.path, "error=access_denied&error_description=<b>no</b>")
    assert denied.status == 400 and "<b>" not in denied.body
    with hubspot_oauth.session_factory() as session:
        assert session.scalars(select(CrmOAuthStateRow)).all() == []


def test_a_database_that_does_not_answer_gets_a_page_not_a_server_error(
    hubspot_oauth: CrmHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = connect_link(hubspot_oauth, "HubSpot")
    back = urlsplit(requests.get(link, allow_redirects=False, timeout=5).headers["Location"])

    def silent(*_args: object) -> None:
        raise OperationalError("SELECT", {}, Exception("the server did not answer"))

    monkeypatch.setattr(oauth, "finish", silent)
    answer = hubspot_oauth.get(back.path, back.query)
    assert answer.status == 400
    assert "did not answer" in answer.body and "/prospect crm" in answer.body
    with hubspot_oauth.session_factory() as session:
        assert session.scalars(select(CrmConnectionRow)).all() == []


def test_only_workspace_admins_get_a_link_and_a_slack_error_means_no(
    hubspot_oauth: CrmHarness,
) -> None:
    hubspot_oauth.standin.users["U2"] = {"is_admin": False}
    reply = hubspot_oauth.command(ids.PROSPECT, "crm", user="U2")
    assert "Only workspace admins" in reply.text and "oauth/authorize" not in reply.text
    hubspot_oauth.standin.users[ADMIN] = {"is_admin": True}
    hubspot_oauth.standin.fail_for("users.info", {"user": ADMIN}, "fatal_error")
    reply = hubspot_oauth.command(ids.PROSPECT, "crm", user=ADMIN)
    assert "oauth/authorize" not in reply.text
    with hubspot_oauth.session_factory() as session:
        assert session.scalars(select(CrmOAuthStateRow)).all() == []


def test_a_revoked_hubspot_app_is_told_once_to_the_admin_by_dm_and_on_the_reps_home(
    hubspot_oauth: CrmHarness, hubspot: HubSpotStandIn, clock: Clock
) -> None:
    approve(hubspot_oauth, connect_link(hubspot_oauth, "HubSpot"))
    hubspot.add_owner("u1@example.com")
    hubspot_oauth.tick()
    hubspot.app.refresh_tokens.clear()  # the app was uninstalled in HubSpot
    clock.now += timedelta(minutes=40)
    hubspot_oauth.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    hubspot_oauth.standin.clear()
    hubspot_oauth.tick()
    refused = len(hubspot.requests)
    for _ in range(5):  # left alone for 15 minutes, not asked every minute
        clock.now += timedelta(minutes=2)
        hubspot_oauth.tick()
    assert len(hubspot.requests) == refused
    clock.now += timedelta(minutes=10)
    hubspot_oauth.tick()
    assert [r.path for r in hubspot.requests[refused:]] == ["/oauth/v1/token"]
    told = [c.args for c in hubspot_oauth.standin.calls_to("chat.postMessage")]
    assert [t["channel"] for t in told] == [ADMIN]
    assert "HubSpot refused the connection" in told[0]["text"]
    open_home(hubspot_oauth)
    home = json.dumps(views(hubspot_oauth, "views.publish")[-1])
    assert "1 call waiting to reach HubSpot" in home and "reconnect" in home


# -- Salesforce ------------------------------------------------------------------------------


def test_an_admin_connects_salesforce_with_pkce_and_an_expired_session_is_renewed(
    salesforce_oauth: CrmHarness, salesforce: SalesforceStandIn, clock: Clock, tmp_path: Path
) -> None:
    link = connect_link(salesforce_oauth, "Salesforce")
    assert link.startswith(f"{salesforce.url}/services/oauth2/authorize?")
    asked = parse_qs(urlsplit(link).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["response_type"] == ["code"]
    assert asked["redirect_uri"] == [f"{PUBLIC_URL}/crm/salesforce/oauth_redirect"]
    page = approve(salesforce_oauth, link, verify=salesforce.ca_file(tmp_path))
    assert page.status == 200 and "Connected to Salesforce" in page.body
    stored = sealed(salesforce_oauth)
    assert stored["instance_url"] == salesforce.url
    assert stored["refresh_token"] in salesforce.app.refresh_tokens

    rep = salesforce.add_user("u1@example.com")
    clock.now = CHICAGO_EVENING
    rep_in_chicago(salesforce_oauth)
    account = "001D00000000000001"
    contact = salesforce.add_record(
        "Contact",
        clock.now - timedelta(days=1),
        FirstName="Jane",
        LastName="Doe",
        Phone="+12125550143",
        OwnerId=rep,
        AccountId=account,
    )
    salesforce.add_record(
        "OpportunityContactRole",
        clock.now,
        ContactId=contact,
        OpportunityId="006D0000000001",
        **{"Opportunity.IsClosed": False, "Opportunity.Amount": 12000},
    )
    salesforce_oauth.tick()
    salesforce.expire_sessions()
    salesforce_oauth.command(ids.LOGCALL, "Jane Doe noanswer")
    assert salesforce_oauth.tick().pushed == 1
    [task] = salesforce.records["Task"].values()
    assert task["OwnerId"] == rep
    assert task["ActivityDate"] == "2026-11-23"  # the rep's Monday evening, not UTC's Tuesday
    assert task["CallDisposition"] == "No answer"
    assert (task["WhoId"], task["WhatId"]) == (contact, "006D0000000001")
    assert task["Description"] == "From: +13125550199 · To: +12125550143"
    assert sealed(salesforce_oauth)["access_token"] == salesforce.token

    # Refused again after a renewal (the refresh token revoked): the admin reconnects.
    salesforce.app.refresh_tokens.clear()
    salesforce.expire_sessions()
    salesforce_oauth.command(ids.LOGCALL, "Jane Doe noanswer")
    salesforce_oauth.standin.clear()
    assert salesforce_oauth.tick().pushed == 0
    [told] = [c.args for c in salesforce_oauth.standin.calls_to("chat.postMessage")]
    assert told["channel"] == ADMIN and "reconnect with /prospect crm" in told["text"]


def test_a_token_answer_naming_a_host_that_is_not_salesforce_is_refused(
    salesforce_oauth: CrmHarness, salesforce: SalesforceStandIn, tmp_path: Path
) -> None:
    link = connect_link(salesforce_oauth, "Salesforce")
    salesforce.url_for_answers = "https://evil.example.com"
    page = approve(salesforce_oauth, link, verify=salesforce.ca_file(tmp_path))
    assert page.status == 400 and "not a Salesforce host" in page.body
    with salesforce_oauth.session_factory() as session:
        assert session.scalars(select(CrmConnectionRow)).all() == []


# -- an admin's own call outcomes ------------------------------------------------------------


def test_an_admin_maps_outcomes_to_hubspots_own_and_calls_carry_them(
    hubspot_oauth: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    approve(hubspot_oauth, connect_link(hubspot_oauth, "HubSpot"))
    hubspot_oauth.command(ids.PROSPECT, "crm", user=ADMIN)
    click(hubspot_oauth, ids.CRM_OUTCOMES, user=ADMIN)
    form = views(hubspot_oauth, "views.open")[-1]
    meeting = next(b for b in form["blocks"] if b.get("block_id") == OUTCOME_BLOCK + "meeting")
    offered = [o["text"]["text"] for o in meeting["element"]["options"]]
    assert offered == ["Connected", "Left voicemail", "No answer", "Demo booked"]  # not deleted
    assert meeting["element"]["initial_option"]["text"]["text"] == "Connected"

    values: dict[str, dict[str, object]] = {}
    for block in form["blocks"]:
        if block["type"] != "input":
            continue
        # Outcomes whose default this account lacks (Wrong number here) start unpicked.
        chosen = block["element"].get("initial_option", {"value": "73a0d17f"})["value"]
        if block["block_id"] == OUTCOME_BLOCK + "meeting":
            chosen = "5f3b1a7e-0d3c-4c1e-9a5b-demo00000001"
        values[block["block_id"]] = {FIELD: {"selected_option": {"value": chosen}}}
    hubspot_oauth.standin.users["U2"] = {"is_admin": False}
    refused = submit(hubspot_oauth, form, values, user="U2")
    assert "Only workspace admins" in json.dumps(refused.json)
    assert submit(hubspot_oauth, form, values, user=ADMIN).json["response_action"] == "update"

    hubspot.add_owner("u1@example.com")
    hubspot_oauth.command(ids.LOGCALL, "Jane Doe meeting phone:+1 212 555 0143")
    hubspot_oauth.command(ids.LOGCALL, "Jane Doe vm")
    assert hubspot_oauth.tick().pushed == 2
    outcomes = sorted(c["properties"]["hs_call_disposition"] for c in hubspot.calls.values())
    assert outcomes == sorted(
        ["5f3b1a7e-0d3c-4c1e-9a5b-demo00000001", "b2cf5968-551e-4856-9783-52b3da59a7d0"]
    )


def test_a_salesforce_admin_writes_the_orgs_own_call_dispositions(
    salesforce_oauth: CrmHarness, salesforce: SalesforceStandIn, tmp_path: Path
) -> None:
    approve(
        salesforce_oauth,
        connect_link(salesforce_oauth, "Salesforce"),
        verify=salesforce.ca_file(tmp_path),
    )
    salesforce_oauth.command(ids.PROSPECT, "crm", user=ADMIN)
    click(salesforce_oauth, ids.CRM_OUTCOMES, user=ADMIN)
    form = views(salesforce_oauth, "views.open")[-1]
    values: dict[str, dict[str, object]] = {
        block["block_id"]: {FIELD: {"value": block["element"].get("initial_value", "")}}
        for block in form["blocks"]
        if block["type"] == "input"
    }
    values[OUTCOME_BLOCK + "meeting"] = {FIELD: {"value": "Meeting set"}}
    values[OUTCOME_BLOCK + "won"] = {FIELD: {"value": "x" * 256}}
    answer = submit(salesforce_oauth, form, values, user=ADMIN).json
    assert set(answer["errors"]) == {OUTCOME_BLOCK + "won"}
    values[OUTCOME_BLOCK + "won"] = {FIELD: {"value": "x" * 255}}
    assert submit(salesforce_oauth, form, values, user=ADMIN).json["response_action"] == "update"
    salesforce.add_user("u1@example.com")
    salesforce_oauth.command(ids.LOGCALL, "Jane Doe meeting")
    assert salesforce_oauth.tick().pushed == 1
    [task] = salesforce.records["Task"].values()
    assert task["CallDisposition"] == "Meeting set"


def test_a_revoked_salesforce_app_found_by_the_pull_is_told_to_the_admin_too(
    salesforce_oauth: CrmHarness, salesforce: SalesforceStandIn, clock: Clock, tmp_path: Path
) -> None:
    approve(
        salesforce_oauth,
        connect_link(salesforce_oauth, "Salesforce"),
        verify=salesforce.ca_file(tmp_path),
    )
    salesforce.add_user("u1@example.com")
    salesforce_oauth.command(ids.VMSCRIPT, "profile phone:+1 312 555 0199")
    salesforce_oauth.tick()
    salesforce.app.refresh_tokens.clear()
    salesforce.expire_sessions()
    clock.now += timedelta(minutes=16)  # a pull is due; no call is waiting
    salesforce_oauth.standin.clear()
    salesforce_oauth.tick()
    [told] = [c.args for c in salesforce_oauth.standin.calls_to("chat.postMessage")]
    assert told["channel"] == ADMIN and "Salesforce refused" in told["text"]
