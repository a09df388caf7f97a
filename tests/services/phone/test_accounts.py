"""`/prospect phone`: admins tie a phone account to their workspace, its token sealed; a
stored token then verifies that account's webhooks, for that workspace only."""

from __future__ import annotations

from sqlalchemy import select

from bot import ids
from storage.models import PhoneAccountRow, PhoneEventRow
from tests.handlers.interactions import count
from tests.services.phone.conftest import Phones, add_jane
from tests.services.phone.standins import AircallStandIn, TwilioStandIn
from tests.services.phone.test_end_to_end import STARTED, calls, dms
from tests.slack import SlackHarness

ADMIN = "U9"
WORKSPACE_TOKEN = "workspace-own-aircall-token"


def phone_command(slack: SlackHarness, text: str, user: str = ADMIN) -> str:
    reply = slack.command(ids.PROSPECT, f"phone {text}".strip(), user=user)
    assert reply.status == 200
    return reply.text


def test_only_admins_connect_a_phone_system(phones: Phones) -> None:
    slack = phones.slack
    assert "Only workspace admins" in phone_command(slack, "aircall", user="U1")
    # The first asks who U9 is (their zone), the second whether they are an admin.
    slack.standin.fail_next("users.info", error="user_not_found", status=200, times=2)
    slack.standin.users[ADMIN] = {"is_admin": True}
    assert "couldn't ask Slack" in phone_command(slack, "aircall")
    assert count(slack, PhoneAccountRow) == 0


def test_a_stored_token_is_sealed_and_verifies_its_workspaces_webhooks(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    slack.standin.users[ADMIN] = {"is_admin": True}

    reply = phone_command(slack, f"aircall token:{WORKSPACE_TOKEN}")

    assert "Aircall is connected" in reply and "/phone/aircall" in reply
    with slack.session_factory() as session:
        (account,) = session.scalars(select(PhoneAccountRow))
    assert (account.team_id, account.vendor) == ("T1", "aircall")
    assert account.token and WORKSPACE_TOKEN not in account.token
    own = AircallStandIn(phones.aircall.url.removesuffix("/phone/aircall"), WORKSPACE_TOKEN)
    body = own.call_event(
        "call.ended",
        call_id=77,
        direction="outbound",
        raw_digits="+1 312 555 0100",
        started_at=STARTED,
        answered_at=None,
        ended_at=STARTED,
    )
    assert own.send(body).status == 200
    assert [c.outcome for c in calls(slack)] == ["noanswer"]
    status = phone_command(slack, "")
    assert "Connected here: Aircall" in status and ":warning:" not in status


def test_without_a_token_or_the_environments_nothing_is_saved(slack: SlackHarness) -> None:
    slack.standin.users[ADMIN] = {"is_admin": True}
    assert "Give the token" in phone_command(slack, "twilio")
    assert "isn't a phone system" in phone_command(slack, "dialpad")
    assert count(slack, PhoneAccountRow) == 0


def test_with_several_workspaces_an_unbound_environment_token_is_ignored(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    slack.command(ids.LOGCALL, "Someone vm", team="T2", user="U2")
    slack.standin.clear()
    body = phones.aircall.call_event(
        "call.ended",
        call_id=78,
        direction="outbound",
        raw_digits="+1 312 555 0100",
        started_at=STARTED,
        answered_at=None,
        ended_at=STARTED,
    )
    posted = phones.aircall.send(body)
    assert posted.status == 200 and "ignored" in posted.body["done"]
    assert count(slack, PhoneEventRow) == 0 and dms(slack) == []


def test_a_stored_twilio_token_verifies_callbacks_and_the_environments_still_does(
    phones: Phones,
) -> None:
    slack = phones.slack
    add_jane(slack)
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 415 555 0199')
    slack.standin.users[ADMIN] = {"is_admin": True}
    phone_command(slack, "twilio token:workspace-twilio-auth-token")
    own = TwilioStandIn(
        phones.twilio.url.removesuffix("/phone/twilio"), "workspace-twilio-auth-token"
    )

    for sid, sender in (("CA" + "a" * 32, own), ("CA" + "b" * 32, phones.twilio)):
        params = sender.status_callback(
            call_sid=sid,
            direction="outbound-api",
            from_="+14155550199",
            to="+13125550100",
            status="busy",
            duration=0,
            ended_at=STARTED,
        )
        assert sender.send(params).status == 200
    assert [c.outcome for c in calls(slack)] == ["noanswer", "noanswer"]
