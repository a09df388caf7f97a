"""Each adapter reads its vendor's body into a PhoneCall, refusing before it reads further
when the token or signature is wrong; `handling` says what a call asks of the rep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.rules.calls import Outcome
from bot.services.phone.aircall import Aircall, matching_token
from bot.services.phone.port import (
    Direction,
    Handling,
    Malformed,
    PhoneCall,
    Unverified,
    handling,
    quick_outcomes,
)
from bot.services.phone.twilio import Twilio
from tests.services.phone.standins import AircallStandIn, TwilioStandIn

STARTED = datetime(2026, 11, 23, 15, 42, tzinfo=UTC)
URL = "https://phonetag.example.com/phone/twilio"


def aircall_body(**changes: object) -> dict[str, object]:
    body = AircallStandIn("http://unused", "tok").call_event(
        "call.ended",
        call_id=1,
        direction="outbound",
        raw_digits="+1 312-555-0100",
        started_at=STARTED,
        answered_at=STARTED + timedelta(seconds=12),
        ended_at=STARTED + timedelta(seconds=40),
        recording="https://example.com/r.mp3",
    )
    body["data"] = {**body["data"], **changes}  # type: ignore[dict-item]
    return body


def read_aircall(body: dict[str, object], tokens: list[str] | None = None) -> PhoneCall | None:
    delivery, _ = Aircall().read(json.dumps(body).encode(), {}, "", tokens or ["tok"])
    return delivery.call


def test_aircall_talk_time_runs_from_the_answer_not_the_first_ring() -> None:
    call = read_aircall(aircall_body())
    assert call is not None
    assert (call.call_id, call.direction, call.answered) == ("1", Direction.OUTBOUND, True)
    assert (call.started_at, call.duration_seconds, call.number) == (STARTED, 28, "+13125550100")
    assert (call.rep_email, call.rep_number) == ("u1@example.com", "+14155550199")


def test_aircall_unanswered_call_lasted_nothing_whatever_it_rang() -> None:
    call = read_aircall(aircall_body(answered_at=None))
    assert call is not None and not call.answered and call.duration_seconds == 0


def test_aircall_withheld_number_is_nothing_to_log() -> None:
    assert read_aircall(aircall_body(raw_digits="anonymous")) is None


@pytest.mark.parametrize(
    "changes",
    [{"id": None}, {"direction": "sideways"}, {"started_at": "yesterday"}, {"started_at": True}],
)
def test_aircall_bodies_we_cannot_read_are_malformed(changes: dict[str, object]) -> None:
    with pytest.raises(Malformed):
        read_aircall(aircall_body(**changes))


@pytest.mark.parametrize("token", [None, "", "to", "tok ", "TOK", 5])
def test_aircall_token_must_match_exactly(token: object) -> None:
    body = aircall_body()
    body["token"] = token
    with pytest.raises(Unverified):
        read_aircall(body)


def test_the_matching_token_is_the_one_that_names_the_workspace() -> None:
    assert matching_token("b", ["a", "b", "c"]) == "b"
    assert matching_token("d", ["a", "b", "c"]) is None
    assert matching_token("a", []) is None


def twilio_params(**changes: str) -> dict[str, str]:
    params = TwilioStandIn("https://phonetag.example.com", "secret").status_callback(
        call_sid="CA" + "1" * 32,
        direction="outbound-api",
        from_="+14155550199",
        to="+13125550100",
        status="completed",
        duration=42,
        ended_at=STARTED + timedelta(seconds=42),
    )
    return params | changes


def read_twilio(params: dict[str, str], token: str = "secret") -> PhoneCall | None:
    signature = RequestValidator(token).compute_signature(URL, params)
    headers = {"x-twilio-signature": signature}
    delivery, _ = Twilio().read(urlencode(params).encode(), headers, URL, ["secret"])
    return delivery.call


def test_twilio_outbound_call_is_read_from_the_reps_side() -> None:
    call = read_twilio(twilio_params())
    assert call is not None
    assert (call.number, call.rep_number, call.direction) == (
        "+13125550100",
        "+14155550199",
        Direction.OUTBOUND,
    )
    assert (call.started_at, call.duration_seconds, call.answered) == (STARTED, 42, True)


def test_twilio_inbound_call_swaps_the_sides() -> None:
    call = read_twilio(twilio_params(Direction="inbound", From="+13125550100", To="+14155550199"))
    assert call is not None
    assert (call.number, call.rep_number, call.direction) == (
        "+13125550100",
        "+14155550199",
        Direction.INBOUND,
    )


def test_twilio_answering_machine_is_noted_not_assumed() -> None:
    call = read_twilio(twilio_params(AnsweredBy="machine_end_beep"))
    assert call is not None and call.machine
    assert quick_outcomes(call)[0] is Outcome.VOICEMAIL
    assert handling(call, known_prospect=True) is Handling.ASK


def test_twilio_progress_statuses_are_acknowledged_without_a_call() -> None:
    assert read_twilio(twilio_params(CallStatus="ringing")) is None


def test_twilio_wrong_token_or_tampered_body_is_unverified() -> None:
    with pytest.raises(Unverified):
        read_twilio(twilio_params(), token="other")
    params = twilio_params()
    signature = RequestValidator("secret").compute_signature(URL, params)
    tampered = urlencode(params | {"CallDuration": "0"}).encode()
    with pytest.raises(Unverified):
        Twilio().read(tampered, {"x-twilio-signature": signature}, URL, ["secret"])
    with pytest.raises(Unverified):
        Twilio().read(urlencode(params).encode(), {}, URL, ["secret"])


@pytest.mark.parametrize("changes", [{"CallDuration": "-3"}, {"Timestamp": "soon"}])
def test_twilio_values_we_cannot_read_are_malformed(changes: dict[str, str]) -> None:
    with pytest.raises(Malformed):
        read_twilio(twilio_params(**changes))


def call(direction: Direction, answered: bool, seconds: int) -> PhoneCall:
    return PhoneCall("x", "1", direction, answered, STARTED, seconds, "+13125550100")


@pytest.mark.parametrize(
    ("direction", "answered", "seconds", "known", "expected"),
    [
        (Direction.OUTBOUND, False, 0, True, Handling.LOG_NO_ANSWER),
        (Direction.OUTBOUND, True, 3, True, Handling.ASK),
        (Direction.OUTBOUND, False, 0, False, Handling.IGNORE),
        (Direction.INBOUND, False, 0, True, Handling.LOG_INBOUND),
        (Direction.INBOUND, True, 60, True, Handling.LOG_INBOUND),
        (Direction.INBOUND, True, 60, False, Handling.OFFER_PROSPECT),
    ],
)
def test_what_a_call_asks_of_the_rep(
    direction: Direction, answered: bool, seconds: int, known: bool, expected: Handling
) -> None:
    assert handling(call(direction, answered, seconds), known) is expected


def test_an_aircall_call_no_user_took_is_unassigned() -> None:
    assigned = read_aircall(aircall_body())
    unassigned = read_aircall(aircall_body(user=None, direction="inbound", answered_at=None))
    assert assigned is not None and not assigned.unassigned
    assert unassigned is not None and unassigned.unassigned and unassigned.rep_email is None
