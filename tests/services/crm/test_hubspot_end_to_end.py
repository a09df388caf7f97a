"""HubSpot end to end: an admin connects it in Slack, reps' contacts come in, and every call
they log reaches HubSpot once, in order, through outages, rate limits and Undo.

The real `hubspot-api-client` talks to a loopback HubSpot; Slack is the loopback stand-in;
both databases."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot import ids
from bot.blocks.crm import HUBSPOT_TOKEN, KIND
from bot.blocks.modals import FIELD
from bot.services.crm.hubspot import CALL_TO_CONTACT, DISPOSITION_IDS
from bot.services.crm.port import CallDisposition
from bot.services.crm.tick import run_crm_tick
from storage.models import CallLogRow, CrmConnectionRow, CrmOutboxRow, ProspectRow
from tests.blockkit import assert_valid_view
from tests.handlers.interactions import click, open_home, responses, submit, text_of, views
from tests.services.crm.conftest import SECRET_KEY, CrmHarness
from tests.services.crm.standins import HUBSPOT_TOKEN as GOOD_TOKEN
from tests.services.crm.standins import HubSpotStandIn

ADMIN = "U9"
CALLS = r"/crm/v3/objects/calls"


def form_values(token: str) -> dict[str, dict[str, Any]]:
    return {
        KIND: {FIELD: {"type": "static_select", "selected_option": {"value": "hubspot"}}},
        HUBSPOT_TOKEN: {FIELD: {"type": "plain_text_input", "value": token}},
    }


def open_form(slack: CrmHarness, user: str = ADMIN) -> dict[str, Any]:
    reply = slack.command(ids.PROSPECT, "crm", user=user)
    assert "form I opened" in reply.text
    return views(slack, "views.open")[-1]


def connect(slack: CrmHarness, token: str = GOOD_TOKEN) -> dict[str, Any]:
    slack.standin.users[ADMIN] = {"is_admin": True}
    return submit(slack, open_form(slack), form_values(token), user=ADMIN).json


def logcall(slack: CrmHarness, text: str, user: str = "U1") -> dict[str, Any]:
    reply = slack.command(ids.LOGCALL, text, user=user)
    assert reply.status == 200
    return reply.json


def undo_button(reply: dict[str, Any]) -> str:
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    return next(e["value"] for e in actions["elements"] if e["action_id"] == ids.LOGCALL_UNDO)


def pushed_calls(hubspot: HubSpotStandIn) -> list[dict[str, Any]]:
    return [r.body for r in hubspot.sent("POST", CALLS) if r.status == 201]


def home_text(slack: CrmHarness, user: str = "U1") -> str:
    open_home(slack, user=user)
    return json.dumps(views(slack, "views.publish")[-1], ensure_ascii=False)


# -- connecting ------------------------------------------------------------------------------


def test_an_admin_connects_with_a_token_checked_first_and_stored_encrypted(
    hubspot_slack: CrmHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refused = connect(hubspot_slack, token="pat-na1-00000000-dead-beef-0000-000000000000")
    assert refused["response_action"] == "errors"
    assert "refused the access token (401, expired or revoked)" in refused["errors"][HUBSPOT_TOKEN]
    with hubspot_slack.session_factory() as session:
        assert session.scalars(select(CrmConnectionRow)).all() == []

    answer = connect(hubspot_slack)
    assert answer["response_action"] == "update"
    assert_valid_view(answer["view"])
    assert "Connected to *HubSpot* (account 62515)" in json.dumps(answer["view"])
    with hubspot_slack.session_factory() as session:
        row = session.scalars(select(CrmConnectionRow)).one()
    assert (row.team_id, row.kind, row.account_id, row.connected_by) == (
        "T1",
        "hubspot",
        "62515",
        ADMIN,
    )
    assert GOOD_TOKEN not in (row.credentials or "")
    opened = json.loads(Fernet(SECRET_KEY.encode()).decrypt(row.credentials.encode()))  # type: ignore[union-attr]
    assert opened == {"access_token": GOOD_TOKEN}
    assert GOOD_TOKEN not in caplog.text
    assert "pat-na1-00000000" not in caplog.text


def test_only_admins_and_owners_may_connect(hubspot_slack: CrmHarness) -> None:
    reply = hubspot_slack.command(ids.PROSPECT, "crm", user="U1")
    assert "Only workspace admins and owners" in reply.text
    assert hubspot_slack.standin.calls_to("views.open") == []
    hubspot_slack.standin.users["U2"] = {"is_owner": True}
    assert open_form(hubspot_slack, user="U2")["callback_id"] == ids.CRM_CONNECT_VIEW


def test_connecting_is_refused_without_the_secret_key(
    engine: Any, standin: Any, clock: Any, hubspot: HubSpotStandIn
) -> None:
    from tests.services.crm.conftest import crm_harness

    slack = crm_harness(engine, standin, clock, hubspot_api_url=hubspot.url)
    standin.users[ADMIN] = {"is_admin": True}
    reply = slack.command(ids.PROSPECT, "crm", user=ADMIN)
    assert "PHONETAG_SECRET_KEY" in reply.text and "Nothing was saved" in reply.text
    assert standin.calls_to("views.open") == []


def test_the_form_says_which_field_is_missing(hubspot_slack: CrmHarness) -> None:
    hubspot_slack.standin.users[ADMIN] = {"is_admin": True}
    view = open_form(hubspot_slack)
    answer = submit(hubspot_slack, view, form_values(""), user=ADMIN).json
    assert answer["errors"] == {HUBSPOT_TOKEN: "Paste the private app's access token."}


# -- pulling ---------------------------------------------------------------------------------


def test_the_pull_brings_each_reps_own_contacts_page_by_page_and_links_known_ones(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    mine = hubspot.add_owner("u1@example.com")
    theirs = hubspot.add_owner("u2@example.com")
    logcall(hubspot_slack, "Jane Doe vm phone:+1 212 555 0143")
    logcall(hubspot_slack, "Sam Other vm", user="U2")
    base = datetime(2026, 11, 1, tzinfo=UTC)
    hubspot.add_contact(
        base, firstname="Janet", lastname="Doe", phone="(212) 555-0143", hubspot_owner_id=mine
    )
    for n in range(104):
        hubspot.add_contact(
            base + timedelta(minutes=n),
            firstname="Lead",
            lastname=f"Number{n}",
            email=f"lead{n}@acme.com",
            company="Acme",
            hubspot_owner_id=mine,
        )
    hubspot.add_contact(base, firstname="Not", lastname="Yours", hubspot_owner_id=theirs)
    lead_0 = next(
        cid for cid, c in hubspot.contacts.items() if c["properties"]["lastname"] == "Number0"
    )
    hubspot.add_deal(lead_0, "12000.50")
    hubspot.add_deal(lead_0, "90000", closed=True)
    hubspot.add_deal(lead_0, "8000")

    report = hubspot_slack.tick()

    searches = hubspot.sent("POST", r"/crm/v3/objects/contacts/search")
    owner_pages = [s for s in searches if s.body["limit"] == 100]
    assert [s.body.get("after") for s in owner_pages if _owner(s.body) == mine] == [None, "100"]
    with hubspot_slack.session_factory() as session:
        rows = session.scalars(select(ProspectRow).where(ProspectRow.owner_id == "U1")).all()
        others = session.scalars(select(ProspectRow).where(ProspectRow.owner_id == "U2")).all()
    names = {row.name for row in rows}
    assert len(rows) == 105  # Jane, linked by her phone, and 104 new
    assert "Janet Doe" not in names and "Jane Doe" in names
    # The largest open deal's amount, to the dollar; closed deals don't count.
    assert {row.name: row.deal_value for row in rows if row.deal_value} == {"Lead Number0": 12001}
    jane = next(row for row in rows if row.name == "Jane Doe")
    assert jane.crm_id is not None
    assert {row.name for row in others} == {"Sam Other", "Not Yours"}
    assert report.pulled >= 106

    # Fifteen minutes later only what changed since is asked for, and nothing doubles.
    hubspot.requests.clear()
    hubspot_slack.clock.now += timedelta(minutes=15)
    hubspot.add_contact(
        hubspot_slack.clock.now, firstname="Fresh", lastname="Lead", hubspot_owner_id=mine
    )
    hubspot_slack.tick()
    sinces = [
        f
        for s in hubspot.sent("POST", r"/crm/v3/objects/contacts/search")
        for f in s.body["filterGroups"][0]["filters"]
        if f["propertyName"] == "lastmodifieddate"
    ]
    # One incremental search per rep, from the newest change the first pull saw.
    newest = str(int((base + timedelta(minutes=103)).timestamp() * 1000))
    assert sinces == [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": newest}] * 2
    with hubspot_slack.session_factory() as session:
        count = len(session.scalars(select(ProspectRow).where(ProspectRow.owner_id == "U1")).all())
    assert count == 106


def _owner(search: dict[str, Any]) -> str | None:
    for rule in search["filterGroups"][0]["filters"]:
        if rule["propertyName"] == "hubspot_owner_id":
            return str(rule["value"])
    return None


def test_a_long_pull_waits_out_a_short_rate_limit_and_pages_past_the_search_cap(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.crm.hubspot.SEARCH_RESULT_LIMIT", 200)
    connect(hubspot_slack)
    owner = hubspot.add_owner("u1@example.com")
    hubspot_slack.command(ids.LOGCALL, "Jane Doe vm")
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(250):
        hubspot.add_contact(
            base + timedelta(seconds=n), firstname="Lead", lastname=f"N{n}", hubspot_owner_id=owner
        )
    hubspot.fail_next(
        "POST", r"/crm/v3/objects/contacts/search", 429, {"status": "error"}, {"Retry-After": "0"}
    )
    hubspot_slack.tick()
    with hubspot_slack.session_factory() as session:
        pulled = session.scalars(select(ProspectRow.name).where(ProspectRow.crm_id.is_not(None)))
        names = set(pulled)
    assert {f"Lead N{n}" for n in range(250)} <= names
    searches = hubspot.sent("POST", r"/crm/v3/objects/contacts/search")
    afters = [s.body.get("after") for s in searches if "sorts" in s.body]  # the pull's own
    assert afters == [None, None, "100", None]  # the 429, two pages, then a fresh query


def test_prospect_sync_pulls_now_and_says_what_came_in(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    reply = hubspot_slack.command(ids.PROSPECT, "sync")
    assert "No CRM is connected" in reply.text
    connect(hubspot_slack)
    owner = hubspot.add_owner("u1@example.com")
    hubspot_slack.command(ids.LOGCALL, "Jane Doe vm")
    hubspot.add_contact(
        hubspot_slack.clock.now, firstname="Ann", lastname="Lee", hubspot_owner_id=owner
    )
    hubspot_slack.standin.clear()
    reply = hubspot_slack.command(ids.PROSPECT, "sync")
    assert "Pulling your contacts from HubSpot" in reply.text
    [said] = responses(hubspot_slack)
    assert "Pulled from HubSpot: 1 new" in text_of(said)


# -- pushing ---------------------------------------------------------------------------------


def test_a_logged_call_reaches_hubspot_with_its_disposition_and_contact(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connect(hubspot_slack)
    owner = hubspot.add_owner("u1@example.com")
    hubspot_slack.tick()  # the first pull
    reply = logcall(
        hubspot_slack, "Jane Doe vm phone:+1 212 555 0143 email:jane@globex.com left msg re bid"
    )
    assert "HubSpot" not in json.dumps(reply)  # the reply never waits on the CRM
    assert hubspot.sent("POST", CALLS) == []

    hubspot_slack.standin.clear()
    report = hubspot_slack.tick()

    assert report.pushed == 1
    [contact] = [r.body for r in hubspot.sent("POST", r"/crm/v3/objects/contacts")]
    assert contact["properties"] == {
        "firstname": "Jane",
        "lastname": "Doe",
        "phone": "+12125550143",
        "email": "jane@globex.com",
        "hubspot_owner_id": owner,
    }
    [call] = pushed_calls(hubspot)
    contact_id = next(iter(hubspot.contacts))
    assert call["properties"] == {
        "hs_timestamp": "2026-11-23T16:00:00Z",
        "hs_call_title": "Left voicemail (phonetag T1-1)",
        "hs_call_body": "left msg re bid",
        "hs_call_direction": "OUTBOUND",
        "hs_call_status": "COMPLETED",
        "hs_call_disposition": DISPOSITION_IDS[CallDisposition.LEFT_VOICEMAIL],
        "hubspot_owner_id": owner,
        "hs_call_to_number": "+12125550143",
    }
    assert call["associations"] == [
        {
            "to": {"id": contact_id},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}],
        }
    ]
    assert CALL_TO_CONTACT == 194
    [told] = responses(hubspot_slack)
    assert "also logged in HubSpot" in text_of(told)

    # The next call goes to the same contact, without creating or searching for it again.
    hubspot.requests.clear()
    hubspot_slack.clock.now += timedelta(hours=2)
    logcall(hubspot_slack, "Jane Doe inbound")
    hubspot_slack.tick()
    assert hubspot.sent("POST", r"/crm/v3/objects/contacts") == []
    assert [
        s for s in hubspot.sent("POST", r"/crm/v3/objects/contacts/search") if s.body["limit"] == 1
    ] == []
    [second] = pushed_calls(hubspot)
    assert second["properties"]["hs_call_direction"] == "INBOUND"
    assert second["properties"]["hs_call_disposition"] == DISPOSITION_IDS[CallDisposition.CONNECTED]

    text = home_text(hubspot_slack)
    assert "HubSpot* connected" in text and "Every call you logged is in HubSpot" in text
    assert GOOD_TOKEN not in caplog.text  # nothing logged it, at any level
    show = hubspot_slack.command(ids.PROSPECT, "show Jane Doe")
    assert f"https://app.hubspot.com/contacts/62515/record/0-1/{contact_id}" in show.text
    assert "Open in HubSpot" in show.text


def test_undo_deletes_what_was_pushed_and_cancels_what_was_not(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    hubspot_slack.tick()
    pushed = logcall(hubspot_slack, "Jane Doe vm phone:+1 212 555 0143")
    hubspot_slack.tick()
    [call_id] = list(hubspot.calls)

    hubspot_slack.clock.now += timedelta(minutes=2)
    click(hubspot_slack, ids.LOGCALL_UNDO, undo_button(pushed))
    hubspot_slack.tick()
    assert hubspot.calls == {}
    assert [r.path for r in hubspot.sent("DELETE", CALLS + r"/\d+")] == [f"{CALLS}/{call_id}"]

    # Undone before the tick: nothing is ever sent.
    hubspot.requests.clear()
    never = logcall(hubspot_slack, "Jane Doe noanswer")
    click(hubspot_slack, ids.LOGCALL_UNDO, undo_button(never))
    hubspot_slack.tick()
    assert hubspot.sent("POST", CALLS) == [] and hubspot.sent("DELETE", CALLS + r"/\d+") == []


def test_undo_after_an_unanswered_push_finds_and_deletes_the_call_anyway(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    hubspot_slack.tick()
    hubspot.fail_next("POST", CALLS, 500, {"status": "error"}, after_applying=True)
    reply = logcall(hubspot_slack, "Jane Doe gatekeeper")
    hubspot_slack.tick()
    assert len(hubspot.calls) == 1  # there, though HubSpot answered 500
    click(hubspot_slack, ids.LOGCALL_UNDO, undo_button(reply))
    hubspot_slack.clock.now += timedelta(minutes=1)
    hubspot_slack.tick()
    assert hubspot.calls == {}
    with hubspot_slack.session_factory() as session:
        rows = session.execute(
            select(CrmOutboxRow.action, CrmOutboxRow.status).order_by(CrmOutboxRow.id)
        ).all()
    assert [tuple(row) for row in rows] == [("push", "cancelled"), ("delete", "sent")]


def test_a_rate_limit_and_a_server_error_are_retried_without_a_duplicate(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    hubspot_slack.tick()
    hubspot.fail_next(
        "POST",
        CALLS,
        429,
        {"status": "error", "message": "You have reached your ten_secondly_rolling limit."},
        {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "Retry-After": "30"},
    )
    logcall(hubspot_slack, "Jane Doe vm")
    hubspot_slack.tick()
    assert hubspot.calls == {}
    with hubspot_slack.session_factory() as session:
        waiting = session.scalars(select(CrmOutboxRow)).one()
    assert waiting.next_attempt_at == hubspot_slack.clock.now + timedelta(seconds=30)
    assert "1 call waiting to reach HubSpot: HubSpot's rate limit" in home_text(hubspot_slack)

    hubspot_slack.clock.now += timedelta(seconds=10)
    hubspot_slack.tick()  # still inside the wait HubSpot asked for
    assert hubspot.calls == {}
    hubspot_slack.clock.now += timedelta(minutes=1)
    hubspot_slack.tick()
    assert len(hubspot.calls) == 1

    # A 500 that created the call anyway: the retry finds it instead of creating another.
    hubspot.fail_next("POST", CALLS, 500, {"status": "error"}, after_applying=True)
    logcall(hubspot_slack, "Jane Doe noanswer")
    hubspot_slack.tick()
    assert len(hubspot.calls) == 2
    hubspot_slack.clock.now += timedelta(minutes=1)
    hubspot_slack.tick()
    assert len(hubspot.calls) == 2
    # Found among the contact's calls, which (unlike search) show a new call at once.
    [looked] = hubspot.sent("POST", CALLS + "/batch/read")
    assert looked.body["properties"] == ["hs_call_title"]
    with hubspot_slack.session_factory() as session:
        statuses = session.scalars(select(CrmOutboxRow.status).order_by(CrmOutboxRow.id)).all()
        crm_ids = session.scalars(select(CallLogRow.crm_id).order_by(CallLogRow.id)).all()
    assert statuses == ["sent", "sent"]
    assert sorted(crm_ids) == sorted(hubspot.calls)  # type: ignore[type-var]


def test_hubspot_down_for_an_hour_gets_every_call_once_in_order(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    hubspot_slack.tick()
    hubspot.down = True
    logged = []
    for minute in range(60):
        if minute % 20 == 5:
            name = f"Prospect {minute}"
            logcall(hubspot_slack, f'"{name}" vm note {minute}')
            logged.append(f"note {minute}")
        hubspot_slack.tick()
        hubspot_slack.clock.now += timedelta(minutes=1)
    assert hubspot.calls == {}
    text = home_text(hubspot_slack)
    assert "3 calls waiting to reach HubSpot: HubSpot answered 503" in text

    hubspot.down = False
    for _ in range(12):
        hubspot_slack.tick()
        hubspot_slack.clock.now += timedelta(minutes=1)
    bodies = [call["properties"]["hs_call_body"] for call in pushed_calls(hubspot)]
    assert bodies == logged
    assert len(hubspot.calls) == 3
    assert "Every call you logged is in HubSpot" in home_text(hubspot_slack)


def test_a_workspace_without_a_crm_keeps_no_outbox(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    logcall(hubspot_slack, "Jane Doe vm")  # a first-time rep
    logcall(hubspot_slack, "Jane Doe noanswer")  # a known one
    with hubspot_slack.session_factory() as session:
        assert session.scalars(select(CrmOutboxRow)).all() == []
    hubspot_slack.tick()
    assert hubspot.requests == []


def test_calls_go_to_the_crm_from_the_moment_it_is_connected(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    hubspot.add_owner("u1@example.com")
    logcall(hubspot_slack, "Jane Doe vm")  # before: nowhere to go
    connect(hubspot_slack)
    logcall(hubspot_slack, "Jane Doe connected")  # a rep known before the connection
    logcall(hubspot_slack, "Ann Lee noanswer", user="U2")  # a rep new after it
    hubspot_slack.tick()
    assert [call["properties"]["hs_call_disposition"] for call in pushed_calls(hubspot)] == [
        DISPOSITION_IDS[CallDisposition.CONNECTED],
        DISPOSITION_IDS[CallDisposition.NO_ANSWER],
    ]


def test_a_changed_secret_key_holds_the_calls_and_says_why(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    connect(hubspot_slack)
    hubspot_slack.tick()
    logcall(hubspot_slack, "Jane Doe vm")
    rotated = replace(hubspot_slack.settings, secret_key=Fernet.generate_key().decode())
    report = run_crm_tick(
        hubspot_slack.session_factory, rotated, hubspot_slack.clock.now, worker="rotated"
    )
    assert hubspot.calls == {} and "can't be opened" in report.errors[0]
    assert "1 call waiting to reach HubSpot: The stored CRM credentials" in home_text(hubspot_slack)
    hubspot_slack.tick()  # the right key again
    assert len(hubspot.calls) == 1


def test_after_one_call_fails_the_calls_behind_it_wait_and_all_arrive_in_the_order_logged(
    hubspot_slack: CrmHarness, hubspot: HubSpotStandIn
) -> None:
    """A failure time will cure holds back the rows behind it; a row HubSpot refuses for
    itself is set aside and the rest go on, still in order."""
    connect(hubspot_slack)
    hubspot_slack.tick()
    hubspot.fail_next("POST", CALLS, 503, {"status": "error"})
    for n in (1, 2, 3):
        logcall(hubspot_slack, f'"Prospect {n}" vm note {n}')
    hubspot_slack.tick()
    assert pushed_calls(hubspot) == [], "2 and 3 went ahead of 1"
    hubspot_slack.clock.now += timedelta(minutes=1)
    hubspot_slack.tick()
    assert [c["properties"]["hs_call_body"] for c in pushed_calls(hubspot)] == [
        "note 1",
        "note 2",
        "note 3",
    ]

    hubspot.fail_next("POST", CALLS, 400, {"status": "error", "message": "Property invalid"})
    for n in (4, 5):
        logcall(hubspot_slack, f'"Prospect {n}" vm note {n}')
    hubspot_slack.tick()
    assert [c["properties"]["hs_call_body"] for c in pushed_calls(hubspot)][3:] == ["note 5"]
    with hubspot_slack.session_factory() as session:
        statuses = session.scalars(select(CrmOutboxRow.status).order_by(CrmOutboxRow.id)).all()
    assert statuses == ["sent", "sent", "sent", "failed", "sent"]
