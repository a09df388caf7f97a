"""Phone systems end to end: the stand-ins post over loopback HTTP into the real app, the
rep's DM and taps go through the Slack stand-in, and what was logged is read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import ids
from storage.models import CallLogRow, OwedReturnCallRow, PhoneEventRow
from tests.blockkit import assert_valid_message
from tests.handlers.interactions import click, count, logcall_values, responses, submit, views
from tests.services.phone.conftest import JANE_PHONE, Phones, add_jane
from tests.slack import SlackHarness

STARTED = datetime(2026, 11, 23, 15, 42, tzinfo=UTC)  # 9:42 AM in Chicago
ANSWERED = STARTED + timedelta(seconds=10)
ENDED = ANSWERED + timedelta(seconds=134)
RECORDING = "https://recordings.aircall.io/calls/9001.mp3?sig=abc"


def dms(slack: SlackHarness) -> list[dict[str, Any]]:
    sent = [c.args for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == "U1"]
    for message in sent:
        assert_valid_message({"text": message["text"], "blocks": message["blocks"]})
    return sent


def buttons(message: dict[str, Any]) -> dict[str, str]:
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    return {e["action_id"]: e.get("value", "") for e in actions["elements"]}


def calls(slack: SlackHarness) -> list[CallLogRow]:
    with slack.session_factory() as session:
        return list(session.scalars(select(CallLogRow).order_by(CallLogRow.id)))


def ended_outbound(phones: Phones, **changes: Any) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "call_id": 9001,
        "direction": "outbound",
        "raw_digits": "+1 312-555-0100",
        "started_at": STARTED,
        "answered_at": ANSWERED,
        "ended_at": ENDED,
        "recording": RECORDING,
    }
    return phones.aircall.call_event("call.ended", **(shape | changes))


def test_aircall_call_ended_asks_then_one_tap_logs_voicemail_once(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    body = ended_outbound(phones)

    posted = phones.aircall.send(body)

    assert posted.status == 200
    (question,) = dms(slack)
    assert question["text"] == (
        "Call with Jane Doe (Acme) · 2 min 14 s · outbound · 9:42 AM — how did it go?"
    )
    found = buttons(question)
    assert f"{ids.PHONE_LOG}:vm" in found and ids.PHONE_MORE in found
    assert calls(slack) == []  # asked, not assumed

    click(slack, f"{ids.PHONE_LOG}:vm", found[f"{ids.PHONE_LOG}:vm"])

    (call,) = calls(slack)
    assert (call.outcome, call.at, call.duration_seconds) == ("vm", STARTED, 134)
    assert call.recording_url == RECORDING
    (confirmation,) = responses(slack)
    assert "Voicemail left" in confirmation["text"] and confirmation["replace_original"]

    # The same call again, and the same tap again: nothing new.
    slack.standin.clear()
    assert phones.aircall.send(body).status == 200
    click(slack, f"{ids.PHONE_LOG}:connected", found[f"{ids.PHONE_LOG}:vm"])
    assert dms(slack) == []
    assert len(calls(slack)) == 1
    assert "logged already" in responses(slack)[0]["text"]


def test_wrong_aircall_token_gets_401_and_changes_nothing(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)

    posted = phones.aircall.send(ended_outbound(phones, token="aircall-webhook-token-0002"))

    assert posted.status == 401
    assert count(slack, PhoneEventRow) == 0 and calls(slack) == [] and dms(slack) == []


def test_bodies_that_are_not_aircalls_shape_are_refused_before_the_token(phones: Phones) -> None:
    assert phones.aircall.send(b"[1, 2]").status == 400
    assert phones.aircall.send(b"token=x", "application/x-www-form-urlencoded").status == 400
    assert phones.aircall.send(b"{" * 100_000).status == 400
    assert phones.aircall.send(b"x" * 1_000_001).status == 413
    assert count(phones.slack, PhoneEventRow) == 0


def test_earlier_events_are_acknowledged_and_out_of_order_ones_change_nothing(
    phones: Phones,
) -> None:
    slack = phones.slack
    add_jane(slack)
    created = phones.aircall.call_event(
        "call.created",
        call_id=9001,
        direction="outbound",
        raw_digits="+1 312-555-0100",
        started_at=STARTED,
        answered_at=None,
        ended_at=None,
    )
    assert phones.aircall.send(created).status == 200
    assert dms(slack) == []
    assert phones.aircall.send(ended_outbound(phones)).status == 200
    answered_late = {**ended_outbound(phones), "event": "call.answered"}
    assert phones.aircall.send(answered_late).status == 200
    assert len(dms(slack)) == 1 and count(slack, PhoneEventRow) == 1


def test_a_call_logged_by_hand_is_matched_not_doubled(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    slack.clock.now = STARTED + timedelta(minutes=4)
    slack.command(ids.LOGCALL, "Jane Doe connected")
    slack.standin.clear()

    assert phones.aircall.send(ended_outbound(phones)).status == 200

    assert dms(slack) == []
    (call,) = calls(slack)
    assert (call.outcome, call.duration_seconds) == ("connected", 134)


def test_unknown_rep_or_number_is_acknowledged_and_ignored(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    stranger = ended_outbound(phones, user_email="nobody@elsewhere.test")
    assert phones.aircall.send(stranger).status == 200
    other = ended_outbound(phones, call_id=9002, raw_digits="+1 303 555 0100")
    assert phones.aircall.send(other).status == 200
    assert count(slack, PhoneEventRow) == 0 and dms(slack) == []


def test_missed_inbound_call_starts_the_clock_and_tops_the_digest(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    slack.command(ids.PROSPECT, "add Bob Roe phone:+1 303 555 0100")
    slack.standin.clear()
    missed = phones.aircall.call_event(
        "call.ended",
        call_id=9003,
        direction="inbound",
        raw_digits="+1 312-555-0100",
        started_at=STARTED,
        answered_at=None,
        ended_at=STARTED + timedelta(seconds=25),
        user_email=None,
    )

    assert phones.aircall.send(missed).status == 200

    (notice,) = dms(slack)
    assert notice["text"] == "Jane Doe (Acme) called at 9:42 AM; call back by tomorrow 9:42 AM"
    inbound = [c for c in calls(slack) if c.outcome == "inbound"]
    assert [c.at for c in inbound] == [STARTED]
    with slack.session_factory() as session:
        (owed,) = session.scalars(select(OwedReturnCallRow))
        assert owed.due_at == STARTED + timedelta(hours=24)
    preview = slack.command(ids.DIGEST, "now").text
    owed_at = preview.index("Return calls owed")
    assert owed_at < preview.index("Jane Doe") < preview.index("Bob Roe")


def test_a_number_we_dont_know_is_offered_as_a_prospect(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    stranger = phones.aircall.call_event(
        "call.ended",
        call_id=9004,
        direction="inbound",
        raw_digits="+1 303 555 0100",
        started_at=STARTED,
        answered_at=ANSWERED,
        ended_at=ENDED,
    )
    assert phones.aircall.send(stranger).status == 200
    (offer,) = dms(slack)
    assert "Save as prospect?" in offer["text"]
    click(slack, ids.PHONE_SAVE_CALLER, buttons(offer)[ids.PHONE_SAVE_CALLER])
    (form,) = views(slack, "views.open")
    assert "+13035550100" in str(form["blocks"])
    assert calls(slack) == []


def twilio_rep(slack: SlackHarness) -> None:
    add_jane(slack)
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 415 555 0199')
    slack.standin.clear()


def test_twilio_no_answer_is_logged_without_asking(phones: Phones) -> None:
    slack = phones.slack
    twilio_rep(slack)
    params = phones.twilio.status_callback(
        call_sid="CA" + "1" * 32,
        direction="outbound-api",
        from_="+14155550199",
        to=JANE_PHONE,
        status="no-answer",
        duration=0,
        ended_at=STARTED,
    )

    assert phones.twilio.send(params).status == 200

    (call,) = calls(slack)
    assert (call.outcome, call.at, call.duration_seconds) == ("noanswer", STARTED, 0)
    (receipt,) = dms(slack)
    assert "No answer" in receipt["text"]
    assert not any(a.startswith(ids.PHONE_LOG) for a in buttons(receipt))


def test_twilio_answered_call_offers_buttons_machine_voicemail_first(phones: Phones) -> None:
    slack = phones.slack
    twilio_rep(slack)
    params = phones.twilio.status_callback(
        call_sid="CA" + "2" * 32,
        direction="outbound-api",
        from_="+14155550199",
        to=JANE_PHONE,
        status="completed",
        duration=31,
        ended_at=STARTED + timedelta(seconds=31),
        answered_by="machine_end_beep",
    )

    assert phones.twilio.send(params).status == 200

    (question,) = dms(slack)
    assert "31 s · outbound · 9:42 AM" in question["text"]
    assert next(iter(buttons(question))) == f"{ids.PHONE_LOG}:vm"
    assert calls(slack) == []


def test_twilio_invalid_signature_gets_401(phones: Phones) -> None:
    slack = phones.slack
    twilio_rep(slack)
    params = phones.twilio.status_callback(
        call_sid="CA" + "3" * 32,
        direction="outbound-api",
        from_="+14155550199",
        to=JANE_PHONE,
        status="busy",
        duration=0,
        ended_at=STARTED,
    )
    assert phones.twilio.send(params, signature="bm90IGEgc2lnbmF0dXJl").status == 401
    assert calls(slack) == [] and count(slack, PhoneEventRow) == 0


def test_more_opens_the_form_which_logs_with_the_calls_real_time_once(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    phones.aircall.send(ended_outbound(phones))
    (question,) = dms(slack)
    event_id = buttons(question)[ids.PHONE_MORE]

    click(slack, ids.PHONE_MORE, event_id)

    (form,) = views(slack, "views.open")
    assert "Jane Doe" in str(form["blocks"])
    submit(slack, form, logcall_values(prospect=picked(form), outcome="connected", notes="bid"))
    (call,) = calls(slack)
    assert (call.outcome, call.at, call.duration_seconds, call.notes) == (
        "connected",
        STARTED,
        134,
        "bid",
    )
    slack.standin.clear()
    click(slack, f"{ids.PHONE_LOG}:vm", event_id)
    assert len(calls(slack)) == 1
    refused = submit(slack, form, logcall_values(prospect=picked(form), outcome="vm"), view_id="V2")
    assert "logged already" in refused.json["errors"]["prospect"]  # type: ignore[index]
    assert len(calls(slack)) == 1


def picked(form: dict[str, Any]) -> str:
    (block,) = [b for b in form["blocks"] if b.get("element", {}).get("initial_option")]
    return str(block["element"]["initial_option"]["value"])


def test_text_no_database_stores_is_left_out_not_failed_on(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    body = ended_outbound(phones, recording="https://r.example.com/\u0000x", answered_at=None)
    body["data"]["user"]["email"] = "u1\u0000@example.com"
    body["data"]["number"]["digits"] = "\u0000"

    posted = phones.aircall.send(body)

    assert posted.status == 200
    # No rep by that email or line: acknowledged and ignored, on both databases.
    assert "ignored" in posted.body["done"] and calls(slack) == []
    clean = ended_outbound(phones, recording="https://r.example.com/\u0000x", answered_at=None)
    assert phones.aircall.send(clean).status == 200
    (call,) = calls(slack)
    assert (call.outcome, call.recording_url) == ("noanswer", None)


def test_a_tap_after_typing_the_call_matches_it(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    phones.aircall.send(ended_outbound(phones))
    (question,) = dms(slack)
    slack.clock.now = ENDED + timedelta(minutes=2)
    slack.command(ids.LOGCALL, 'Jane Doe vm at:"9:45am"')
    slack.standin.clear()

    click(slack, f"{ids.PHONE_LOG}:vm", buttons(question)[f"{ids.PHONE_LOG}:vm"])

    (call,) = calls(slack)
    assert (call.outcome, call.duration_seconds, call.recording_url) == ("vm", 134, RECORDING)
    assert "logged this call already" in responses(slack)[0]["text"]


def test_undo_takes_back_a_call_logged_from_the_phone(phones: Phones) -> None:
    slack = phones.slack
    add_jane(slack)
    phones.aircall.send(ended_outbound(phones, answered_at=None))
    (receipt,) = dms(slack)

    click(slack, ids.LOGCALL_UNDO, buttons(receipt)[ids.LOGCALL_UNDO])

    assert calls(slack) == []
    with slack.session_factory() as session:
        (event,) = session.scalars(select(PhoneEventRow))
    assert event.call_log_id is None
    assert phones.aircall.send(ended_outbound(phones, answered_at=None)).status == 200
    assert calls(slack) == []  # the same call delivered again is still the one undone


def test_twilio_call_to_a_line_that_is_no_reps_is_ignored(phones: Phones) -> None:
    slack = phones.slack
    twilio_rep(slack)
    params = phones.twilio.status_callback(
        call_sid="CA" + "4" * 32,
        direction="inbound",
        from_=JANE_PHONE,
        to="+14155550100",
        status="no-answer",
        duration=0,
        ended_at=STARTED,
    )
    posted = phones.twilio.send(params)
    assert posted.status == 200 and "ignored" in posted.body["done"]
    assert calls(slack) == [] and dms(slack) == []
