"""Loopback phone systems: an Aircall that posts real-shaped webhook bodies and a Twilio that
signs its status callbacks with the `twilio` package's own RequestValidator, both over HTTP
to the real WSGI app served on loopback."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from twilio.request_validator import RequestValidator

from bot.runtime.edge import WsgiApp

AIRCALL_LINE = "+1 415-555-0199"


@dataclass
class Posted:
    status: int
    body: dict[str, Any]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackApp:
    """The app on a loopback port; `wsgi` is set once the harness is built with its URL."""

    def __init__(self) -> None:
        self.wsgi: WsgiApp | None = None
        self._server: WSGIServer = make_server("127.0.0.1", 0, self, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __call__(self, environ: dict[str, object], start_response: Any) -> Any:
        assert self.wsgi is not None
        return self.wsgi(environ, start_response)

    @contextmanager
    def running(self) -> Iterator[LoopbackApp]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


def post(url: str, data: bytes, headers: dict[str, str]) -> Posted:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Posted(answer.status, json.loads(answer.read() or b"{}"))
    except urllib.error.HTTPError as refused:
        return Posted(refused.code, json.loads(refused.read() or b"{}"))


class AircallStandIn:
    """Aircall's webhook: `token` in the body, nothing signed, JSON as Aircall sends it."""

    def __init__(self, app_url: str, token: str) -> None:
        self.url = f"{app_url}/phone/aircall"
        self.token = token

    def call_event(
        self,
        event: str,
        *,
        call_id: int,
        direction: str,
        raw_digits: str,
        started_at: datetime,
        answered_at: datetime | None,
        ended_at: datetime | None,
        user_email: str | None = "u1@example.com",
        recording: str | None = None,
        voicemail: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A call webhook shaped like Aircall's `call.*` events (Call object in `data`)."""
        started = int(started_at.timestamp())
        ended = int(ended_at.timestamp()) if ended_at else None
        missed = direction == "inbound" and answered_at is None and event == "call.ended"
        user = (
            {
                "id": 456,
                "direct_link": "https://api.aircall.io/v1/users/456",
                "name": "Sam Lee",
                "email": user_email,
                "available": True,
                "availability_status": "available",
                "language": "en-US",
            }
            if user_email
            else None
        )
        return {
            "resource": "call",
            "event": event,
            "timestamp": ended or started,
            "token": self.token if token is None else token,
            "data": {
                "id": call_id,
                "sid": f"CA{call_id:032d}",
                "direct_link": f"https://api.aircall.io/v1/calls/{call_id}",
                "direction": direction,
                "status": "done" if event == "call.ended" else "initial",
                "missed_call_reason": "no_available_agent" if missed else None,
                "started_at": started,
                "answered_at": int(answered_at.timestamp()) if answered_at else None,
                "ended_at": ended,
                "duration": (ended - started) if ended else 0,
                "voicemail": voicemail,
                "recording": recording,
                "asset": None,
                "raw_digits": raw_digits,
                "user": user,
                "contact": None,
                "archived": False,
                "assigned_to": None,
                "tags": [],
                "transferred_by": None,
                "transferred_to": None,
                "teams": [],
                "comments": [],
                "number": {
                    "id": 123,
                    "direct_link": "https://api.aircall.io/v1/numbers/123",
                    "name": "Sales line",
                    "digits": AIRCALL_LINE,
                    "country": "US",
                    "time_zone": "America/Los_Angeles",
                    "open": True,
                },
                "cost": "0.0",
            },
        }

    def send(self, body: dict[str, Any] | bytes, content_type: str = "application/json") -> Posted:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return post(self.url, data, {"Content-Type": content_type, "User-Agent": "Aircall"})


class TwilioStandIn:
    """Twilio's status callbacks: a form signed with RequestValidator's algorithm over the
    full URL and the sorted parameters, with the account's auth token."""

    def __init__(self, app_url: str, auth_token: str) -> None:
        self.url = f"{app_url}/phone/twilio"
        self.auth_token = auth_token

    def status_callback(
        self,
        *,
        call_sid: str,
        direction: str,
        from_: str,
        to: str,
        status: str,
        duration: int | None,
        ended_at: datetime,
        answered_by: str | None = None,
    ) -> dict[str, str]:
        params = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": status,
            "Called": to,
            "Caller": from_,
            "Direction": direction,
            "From": from_,
            "To": to,
            "SequenceNumber": "3",
            "CallbackSource": "call-progress-events",
            "Timestamp": format_datetime(ended_at),
        }
        if duration is not None:
            params["CallDuration"] = str(duration)
            params["Duration"] = str((duration + 59) // 60)
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        return params

    def send(self, params: dict[str, str], *, signature: str | None = None) -> Posted:
        signed = RequestValidator(self.auth_token).compute_signature(self.url, params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signed if signature is None else signature,
            "User-Agent": "TwilioProxy/1.1",
        }
        return post(self.url, urlencode(params).encode(), headers)
