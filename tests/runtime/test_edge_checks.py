"""The edge's checks, table by table: what Slack sends passes, what it never sends is refused."""

from __future__ import annotations

import json
from collections.abc import Iterable
from io import BytesIO
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import Clock

from bot.runtime.edge import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    Edge,
    StartResponse,
    refuse_headers,
    refuse_payload,
)
from bot.runtime.signing import signed_headers

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


# --- the timestamp window, with nothing but the edge in front of a stand-in app ----------

SECRET = "edge-secret"
NOW = 1_790_000_000


class FixedClock(Clock):
    def now(self) -> float:
        return NOW


def edge_answer(age: int) -> tuple[str, bool]:
    """(status, whether the app behind the edge was reached) for a request signed `age`
    seconds before the edge's clock. The app is not Bolt, so Bolt's own check plays no part."""
    reached: list[bool] = []

    def app(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        reached.append(True)
        start_response("200 OK", [])
        return [b""]

    body = "command=%2Flogcall&text=Jane+Doe+vm"
    headers = signed_headers(SECRET, body, NOW - age)
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
        "wsgi.input": BytesIO(body.encode()),
    }
    statuses: list[str] = []
    Edge(app, SECRET, FixedClock())(environ, lambda status, _headers: statuses.append(status))
    return statuses[0], bool(reached)


@pytest.mark.parametrize(
    ("age", "passes"),
    [(0, True), (300, True), (301, False), (-300, True), (-301, False), (86_400, False)],
)
def test_a_signature_is_honoured_for_five_minutes_either_side_of_our_clock(
    age: int, passes: bool
) -> None:
    status, reached = edge_answer(age)
    assert reached is passes
    assert status.startswith("200" if passes else "401")
