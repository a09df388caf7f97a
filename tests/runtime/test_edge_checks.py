"""The edge's checks, table by table: what Slack sends passes, what it never sends is refused."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.runtime.edge import MAX_BODY_BYTES, MAX_JSON_DEPTH, refuse_headers, refuse_payload

SIGNATURE = "v0=" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("method", "timestamp", "signature", "length", "status"),
    [
        ("POST", "1764491000", SIGNATURE, "120", None),
        ("POST", "1764491000", SIGNATURE, None, None),
        ("POST", "abc", SIGNATURE, "120", 401),
        ("POST", "1e10", SIGNATURE, "120", 401),
        ("POST", "-1764491000", SIGNATURE, "120", 401),
        ("POST", " 1764491000", SIGNATURE, "120", 401),
        ("POST", "9" * 13, SIGNATURE, "120", 401),
        ("POST", None, SIGNATURE, "120", 401),
        ("POST", "1764491000", None, "120", 401),
        ("POST", "1764491000", SIGNATURE.upper(), "120", 401),
        ("POST", "1764491000", "v1=" + SIGNATURE[3:], "120", 401),
        ("POST", "1764491000", SIGNATURE[:-1] + "é", "120", 401),
        ("POST", "1764491000", SIGNATURE + "0", "120", 401),
        ("POST", "1764491000", SIGNATURE, "12abc", 400),
        ("POST", "1764491000", SIGNATURE, str(MAX_BODY_BYTES), None),
        ("POST", "1764491000", SIGNATURE, str(MAX_BODY_BYTES + 1), 413),
        ("POST", "1764491000", SIGNATURE, "1000000000000", 413),
        ("GET", None, None, None, None),
        ("GET", None, None, str(MAX_BODY_BYTES + 1), 413),
    ],
)
def test_headers(
    method: str, timestamp: str | None, signature: str | None, length: str | None, status: int
) -> None:
    refusal = refuse_headers(method, timestamp, signature, length)
    assert (refusal.status if refusal else None) == status


def nested(depth: int) -> dict[str, object]:
    value: object = "leaf"
    for _ in range(depth - 1):
        value = [value]
    return {"type": "block_actions", "deep": value}


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (json.dumps({"type": "event_callback"}), "application/json", None),
        (json.dumps({"type": "event_callback"}), "application/json; charset=utf-8", None),
        (json.dumps(nested(MAX_JSON_DEPTH)), "application/json", None),
        (json.dumps(nested(MAX_JSON_DEPTH + 1)), "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("{nope", FORM, 400),
        (urlencode({"command": "/logcall", "text": "Jane Doe vm"}), FORM, None),
        (urlencode({"command": "/logcall", "text": "payload Inc vm"}), FORM, None),
        (urlencode({"payload": json.dumps({"type": "block_actions"})}), FORM, None),
        (urlencode({"payload": json.dumps(nested(MAX_JSON_DEPTH + 1))}), FORM, 400),
        (urlencode({"payload": "[" * 5000 + "]" * 5000}), FORM, 400),
        (urlencode({"payload": "{nope"}), FORM, 400),
        (urlencode({"payload": "null"}), FORM, 400),
    ],
)
def test_payloads(body: str, content_type: str, status: int | None) -> None:
    refusal = refuse_payload(body, content_type)
    assert (refusal.status if refusal else None) == status
