"""The strict edge in front of Bolt: a request is bounded and verified before it is parsed.

Bolt reads the whole body, decodes it and parses it before it checks the signature, and some
malformed headers make its verifier raise instead of refuse. Here every POST must carry
Slack's headers in their exact shape, is read only up to a cap, and must be signed with our
secret before anything looks inside it. Refusals are one short log line: a refused body is
never logged, since anyone can send one and it may be huge or carry someone's data.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import Clock, SignatureVerifier

logger = logging.getLogger("phonetag.edge")

StartResponse = Callable[..., object]
WsgiApp = Callable[[dict[str, object], StartResponse], Iterable[bytes]]

MAX_BODY_BYTES = 1_000_000
"""Slack's largest payloads (a full modal's state, a message with 50 blocks) are a few hundred
kilobytes at most; a megabyte is ample and bounds what one request can make us hold."""
MAX_JSON_DEPTH = 64
"""Slack nests about a dozen levels deep (rich text in a view). Python's parser gives up near
a thousand with a RecursionError, and our own code walking a payload should never meet one."""

SIGNATURE_MISMATCH = "signature does not match or timestamp too old"
SIGNING_SECRET_HINT = (
    " (if Slack sent it, check SLACK_SIGNING_SECRET against Basic Information → App"
    " Credentials, and this server's clock)"
)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str

    @property
    def status_line(self) -> str:
        return {
            400: "400 Bad Request",
            401: "401 Unauthorized",
            413: "413 Content Too Large",
        }[self.status]


def refuse_headers(
    method: str, timestamp: str | None, signature: str | None, content_length: str | None
) -> Refusal | None:
    """What the headers alone decide, before a byte of the body is read."""
    if method == "POST":
        if timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
            return Refusal(401, "timestamp missing or not a plain integer")
        if signature is None or not _SIGNATURE.fullmatch(signature):
            return Refusal(401, "signature missing or not v0= and 64 lowercase hex digits")
    if content_length:
        if not _CONTENT_LENGTH.fullmatch(content_length):
            return Refusal(400, "Content-Length is not a number")
        if int(content_length) > MAX_BODY_BYTES:
            return Refusal(413, f"body over {MAX_BODY_BYTES} bytes")
    return None


def signed_by_slack(
    verifier: SignatureVerifier, body: str, timestamp: str | None, signature: str | None
) -> bool:
    """Slack's signature over `body`, checked without ever raising on a malformed header."""
    return (
        timestamp is not None
        and signature is not None
        and _TIMESTAMP.fullmatch(timestamp) is not None
        and _SIGNATURE.fullmatch(signature) is not None
        and verifier.is_valid(body, timestamp, signature)
    )


def refuse_payload(text: str, content_type: str) -> Refusal | None:
    """Whatever JSON Bolt is going to parse (the body, or a form's `payload=`) must be one
    object of bounded depth; anything else would make Bolt raise before our listeners run."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or text.startswith("{"):
        return _refuse_json(text, "body")
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            return _refuse_json(payload, "payload")
    return None


def _refuse_json(text: str, what: str) -> Refusal | None:
    try:
        parsed = json.loads(text)
    except RecursionError:
        return Refusal(400, f"{what} nests deeper than {MAX_JSON_DEPTH}")
    except ValueError:
        return Refusal(400, f"{what} is not JSON")
    if not isinstance(parsed, dict):
        return Refusal(400, f"{what} is not a JSON object")
    if json_depth(parsed) > MAX_JSON_DEPTH:
        return Refusal(400, f"{what} nests deeper than {MAX_JSON_DEPTH}")
    return None


def json_depth(value: object) -> int:
    """How deep objects and arrays nest, walked without recursion so any depth is safe."""
    deepest, waiting = 0, [(value, 1)]
    while waiting:
        node, depth = waiting.pop()
        if isinstance(node, dict):
            children: Iterable[object] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        waiting.extend((child, depth + 1) for child in children)
    return deepest


def read_bounded(stream: IO[bytes], content_length: str | None) -> bytes | None:
    """The body, or None when it turns out longer than the cap (no Content-Length to trust)."""
    limit = int(content_length) if content_length else MAX_BODY_BYTES + 1
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    raw = b"".join(chunks)
    return None if len(raw) > MAX_BODY_BYTES else raw


def slack_request(body: str, headers: Mapping[str, Any], query: str = "") -> BoltRequest:
    """The request as Bolt should read it. Bolt takes any form body with the word "payload"
    in it for an interaction's `payload=`, finds no such field in `/logcall Acme vm sent the
    payload spec`, and answers 404: a form without that field is read as the form it is."""
    request = BoltRequest(body=body, query=query, headers=dict(headers))
    if not request.body and _plain_form(request):
        request.body = dict(parse_qsl(request.raw_body, keep_blank_values=True))
        request.context = build_context(BoltContext(), request.body)
    return request


def _plain_form(request: BoltRequest) -> bool:
    raw = request.raw_body
    is_json = request.content_type == "application/json" or raw.startswith("{")
    return bool(raw) and not is_json and "payload" not in dict(parse_qsl(raw))


class Edge:
    """WSGI middleware: only bounded, well-formed, correctly signed requests reach `app`."""

    def __init__(self, app: WsgiApp, signing_secret: str, clock: Clock | None = None) -> None:
        """`clock` (seconds since the epoch) is for tests of the timestamp's 5-minute window."""
        self._app = app
        self._verifier = SignatureVerifier(signing_secret, clock or Clock())

    def __call__(
        self, environ: dict[str, object], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "GET")
        timestamp = _header(environ, "HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = _header(environ, "HTTP_X_SLACK_SIGNATURE")
        content_length = _header(environ, "CONTENT_LENGTH")
        refusal = refuse_headers(method, timestamp, signature, content_length)
        if refusal is not None:
            return _refuse(environ, start_response, refusal)

        raw = read_bounded(environ["wsgi.input"], content_length)  # type: ignore[arg-type]
        if raw is None:
            return _refuse(environ, start_response, Refusal(413, "body over the cap"))
        if content_length and len(raw) < int(content_length):
            return _refuse(environ, start_response, Refusal(400, "body shorter than announced"))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(environ, start_response, Refusal(400, "body is not UTF-8"))
        if method == "POST":
            if not signed_by_slack(self._verifier, text, timestamp, signature):
                refusal = Refusal(401, SIGNATURE_MISMATCH)
            else:
                refusal = refuse_payload(text, _header(environ, "CONTENT_TYPE") or "")
        if refusal is not None:
            return _refuse(environ, start_response, refusal)

        environ["wsgi.input"] = BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        try:
            return self._app(environ, start_response)
        except Exception as error:
            # Only a signed request gets here, so this is Slack (or someone holding our
            # secret) sending a shape Bolt cannot read: still the sender's fault, not a 500.
            refusal = Refusal(400, f"Bolt could not read it ({type(error).__name__})")
            return _refuse(environ, start_response, refusal)


def _header(environ: dict[str, object], key: str) -> str | None:
    value = environ.get(key)
    return None if value is None else str(value)


def _refuse(
    environ: dict[str, object], start_response: StartResponse, refusal: Refusal
) -> Iterable[bytes]:
    mismatch = refusal.reason == SIGNATURE_MISMATCH
    logger.log(
        logging.WARNING if mismatch else logging.INFO,
        "refused %s %s from %s: %s%s",
        refusal.status,
        str(environ.get("PATH_INFO") or "")[:100],
        environ.get("REMOTE_ADDR"),
        refusal.reason,
        # The sender never sees the hint: it is for whoever set the secret.
        SIGNING_SECRET_HINT if mismatch else "",
    )
    body = json.dumps({"ok": False, "error": refusal.reason}).encode()
    start_response(
        refusal.status_line,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
