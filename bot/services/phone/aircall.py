"""Aircall: webhooks carry no signature, only the webhook's `token` inside the JSON body,
so the token is the first thing read and is compared in constant time with every token we
hold. `call.ended` (sent about 30 s after hang-up, once duration and recording are known)
is the one acted on; `call.created`, `call.answered` and the rest are acknowledged, since
`call.ended` repeats everything they said, whatever order they arrive in."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.rules.phones import PhoneError, normalize_phone
from bot.services.phone.port import (
    Delivery,
    Direction,
    Malformed,
    PhoneCall,
    Unverified,
    call_id,
    email_address,
    recording_link,
)

VENDOR = "aircall"
MAX_TIMESTAMP = 10**11
"""Seconds since 1970: anything later than the year 5000 is not a call's time."""


class Aircall:
    vendor = VENDOR

    def read(
        self, body: bytes, headers: Mapping[str, str], url: str, tokens: list[str]
    ) -> tuple[Delivery, str]:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise Malformed("body is not JSON") from None
        if not isinstance(payload, dict):
            raise Malformed("body is not a JSON object")
        matched = matching_token(payload.get("token"), tokens)
        if matched is None:
            raise Unverified("token does not match")
        if payload.get("resource") != "call" or payload.get("event") != "call.ended":
            return Delivery(None), matched
        data = payload.get("data")
        if not isinstance(data, dict):
            raise Malformed("call.ended without its call")
        return Delivery(_call(data)), matched


def matching_token(given: object, tokens: list[str]) -> str | None:
    """The token `given` equals, every one compared in full so the time says nothing."""
    if not isinstance(given, str):
        return None
    matches = [hmac.compare_digest(given.encode(), token.encode()) for token in tokens]
    return next((token for token, same in zip(tokens, matches, strict=True) if same), None)


def _call(data: dict[str, Any]) -> PhoneCall | None:
    vendor_id = call_id(data.get("id"))
    direction = data.get("direction")
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise Malformed("direction is neither inbound nor outbound")
    started = _moment(data.get("started_at"), "started_at")
    if started is None:
        raise Malformed("started_at missing")
    answered = _moment(data.get("answered_at"), "answered_at")
    ended = _moment(data.get("ended_at"), "ended_at")
    try:
        number = normalize_phone(str(data.get("raw_digits") or ""))
    except PhoneError:
        return None  # a withheld or unusable number: nobody to log it against
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    line = data.get("number") if isinstance(data.get("number"), dict) else {}
    digits = line.get("digits") if isinstance(line.get("digits"), str) else None
    # Aircall's `duration` counts the ringing too; what the rep spent talking is from the
    # answer to the hang-up.
    talked = int((ended - answered).total_seconds()) if answered and ended else 0
    return PhoneCall(
        vendor=VENDOR,
        call_id=vendor_id,
        direction=Direction(direction),
        answered=answered is not None,
        started_at=started,
        duration_seconds=max(0, talked),
        number=number,
        rep_email=email_address(user.get("email")),
        rep_number=_number(digits),
        recording_url=recording_link(data.get("recording") or data.get("voicemail")),
        unassigned=not user,
    )


def _moment(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_TIMESTAMP:
        raise Malformed(f"{name} is not a Unix time")
    return datetime.fromtimestamp(value, UTC)


def _number(digits: str | None) -> str | None:
    try:
        return normalize_phone(digits) if digits else None
    except PhoneError:
        return None
