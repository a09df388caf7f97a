"""Twilio Voice: status callbacks are form posts signed with the account's auth token
(`X-Twilio-Signature`), checked with the `twilio` package's own RequestValidator against the
URL Twilio posted to. Only the final statuses are acted on (completed, busy, no-answer,
failed, canceled); queued, ringing and in-progress say nothing the final one won't."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from bot.rules.phones import PhoneError, normalize_phone
from bot.services.phone.port import (
    Delivery,
    Direction,
    Malformed,
    PhoneCall,
    Unverified,
    call_id,
    recording_link,
)

VENDOR = "twilio"
SIGNATURE_HEADER = "x-twilio-signature"
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MACHINE_ANSWERS = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)
MAX_CALL_SECONDS = 24 * 3600
"""Twilio ends every call after four hours; a day bounds anything a body may claim."""


class Twilio:
    vendor = VENDOR

    def read(
        self, body: bytes, headers: Mapping[str, str], url: str, tokens: list[str]
    ) -> tuple[Delivery, str]:
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Unverified("no X-Twilio-Signature")
        try:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise Malformed("body is not a form") from None
        matched = [t for t in tokens if RequestValidator(t).validate(url, params, signature)]
        if not matched:
            raise Unverified("signature does not match")
        account = params.get("AccountSid") or None
        if params.get("CallStatus") not in FINAL_STATUSES:
            return Delivery(None, account), matched[0]
        return Delivery(_call(params), account), matched[0]


def _call(params: dict[str, str]) -> PhoneCall | None:
    vendor_id = call_id(params.get("CallSid"))
    try:
        ended = parsedate_to_datetime(params.get("Timestamp", ""))
    except (TypeError, ValueError):
        raise Malformed("Timestamp is not a date") from None
    if ended.tzinfo is None:
        raise Malformed("Timestamp has no offset")
    duration_text = params.get("CallDuration") or "0"
    if not duration_text.isdigit() or int(duration_text) > MAX_CALL_SECONDS:
        raise Malformed("CallDuration is not a number of seconds")
    duration = int(duration_text)
    inbound = params.get("Direction") == "inbound"
    theirs, ours = (params.get("From"), params.get("To"))
    if not inbound:
        theirs, ours = ours, theirs
    try:
        number = normalize_phone(theirs or "")
    except PhoneError:
        return None  # a withheld number or a client: nobody to log it against
    try:
        rep_number = normalize_phone(ours or "")
    except PhoneError:
        rep_number = None
    return PhoneCall(
        vendor=VENDOR,
        call_id=vendor_id,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        answered=params.get("CallStatus") == "completed" and duration > 0,
        started_at=ended - timedelta(seconds=duration),
        duration_seconds=duration,
        number=number,
        rep_number=rep_number,
        machine=params.get("AnsweredBy", "") in MACHINE_ANSWERS,
        recording_url=recording_link(params.get("RecordingUrl")),
    )
