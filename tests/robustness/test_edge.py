"""Attacks on `phonetag serve`'s real HTTP stack: each is refused with a 4xx before anything is
parsed or written, nothing is sent to Slack or to an address the attacker chose, and a body
that claims a gigabyte is refused from its headers without being read."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select, text

from bot.runtime.signing import signed_headers
from bot.runtime.slack_standin import SlackStandIn
from storage.db import upgrade
from storage.models import Base, CallLogRow
from tests.engines import roomy_engine
from tests.servers import SIGNING_SECRET, server
from tests.slack import logcall_body

SERVE = ["bot", "serve", "--port", "{port}"]
GUNICORN = ["gunicorn", "--workers", "1", "--bind", "127.0.0.1:{port}", "bot.runtime.web:create()"]


class Attacker:
    """A loopback server that records anything sent to it, standing for an address an
    attacker put in a body (a response_url) to see whether we would post there."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        received = self.requests

        class Record(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self._server.server_port}/steal"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Served:
    port: int
    pid: int
    engine: Engine
    standin: SlackStandIn
    attacker: Attacker

    def rows(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
        )


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    running = Attacker()
    yield running
    running.close()


def _database(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> Engine:
    if request.param == "sqlite":
        engine = roomy_engine(f"sqlite:///{tmp.mktemp('edge') / 'edge.db'}")
        upgrade(engine)
        return engine
    engine: Engine = request.getfixturevalue("postgres_engine")
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    standin: SlackStandIn,
    attacker: Attacker,
) -> Iterator[Served]:
    engine = _database(request, tmp_path_factory)
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SLACK_API_URL": standin.base_url,
    }
    with server(SERVE, env) as (port, pid):
        yield Served(port, pid, engine, standin, attacker)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def exchange(port: int, request: bytes) -> tuple[int, bytes]:
    """Send raw bytes (headers and as much body as we like) and read the status and body.

    A server that refuses early may answer and close while we are still sending: what it
    answered is still read."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def post(
    port: int, body: bytes, headers: dict[str, str | bytes], *, send_body: bytes | None = None
) -> tuple[int, bytes]:
    lines = [b"POST /slack/events HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    headers = {"Content-Length": str(len(body)), **headers}
    for name, value in headers.items():
        raw = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode() + b": " + raw)
    return exchange(
        port, b"\r\n".join(lines) + b"\r\n\r\n" + (body if send_body is None else send_body)
    )


def signed(
    body: str | bytes, content_type: str = "application/x-www-form-urlencoded"
) -> dict[str, str | bytes]:
    """Slack's headers for `body`, signed over its exact bytes (even when they are not UTF-8)."""
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": content_type,
    }


def nested(depth: int) -> str:
    return '{"type": "block_actions", "a": ' + "[" * depth + "]" * depth + "}"


def attacks(response_url: str) -> dict[str, tuple[int, bytes, dict[str, str | bytes]]]:
    """name -> (expected status, body, headers). Every body names the attacker's address."""
    body = logcall_body(response_url)
    good = signed_headers(SIGNING_SECRET, body)
    old = signed_headers(SIGNING_SECRET, body, int(time.time()) - 600)
    payload = json.dumps({"type": "block_actions", "response_url": response_url, "team": 5})
    deep = urlencode({"payload": nested(5000)})
    return {
        "timestamp-abc": (401, body.encode(), {**good, "X-Slack-Request-Timestamp": "abc"}),
        "timestamp-1e10": (401, body.encode(), {**good, "X-Slack-Request-Timestamp": "1e10"}),
        "no-timestamp": (401, body.encode(), {"X-Slack-Signature": good["X-Slack-Signature"]}),
        "signature-non-ascii": (
            401,
            body.encode(),
            {**good, "X-Slack-Signature": b"v0=" + "é".encode() * 32},
        ),
        "signature-uppercase": (
            401,
            body.encode(),
            {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper().replace("V0", "v0")},
        ),
        "signature-wrong": (401, body.encode(), {**good, "X-Slack-Signature": "v0=" + "0" * 64}),
        "signature-too-old": (401, body.encode(), old),
        "tampered": (401, body.replace("vm", "won").encode(), good),
        "unsigned-deep-json": (
            401,
            deep.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "signed-not-utf8": (
            400,
            b"text=\xff\xfe&" + body.encode(),
            signed(b"text=\xff\xfe&" + body.encode()),
        ),
        "signed-deep-payload": (400, deep.encode(), signed(deep)),
        "signed-deep-json": (400, nested(5000).encode(), signed(nested(5000), "application/json")),
        "signed-json-array": (400, b"[1, 2]", signed("[1, 2]", "application/json")),
        "signed-payload-not-json": (400, b"payload=%7Bnope", signed("payload=%7Bnope")),
        "signed-shape-bolt-cannot-read": (
            400,
            urlencode({"payload": payload}).encode(),
            signed(urlencode({"payload": payload})),
        ),
        "content-length-not-a-number": (400, body.encode(), {**good, "Content-Length": "12abc"}),
        "body-over-a-megabyte": (
            413,
            b"text=" + b"a" * 1_100_000,
            signed(b"text=" + b"a" * 1_100_000),
        ),
    }


ATTACKS = list(attacks("http://unused"))


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_refused_and_changes_nothing(served: Served, attack: str) -> None:
    status, body, headers = attacks(served.attacker.url)[attack]
    before = served.rows()
    served.standin.clear()
    served.attacker.requests.clear()

    answered, answer = post(served.port, body, headers)

    assert answered == status, answer[:300]
    assert served.rows() == before
    assert served.standin.calls == []
    assert served.attacker.requests == []


def test_a_gigabyte_body_is_refused_from_its_headers_without_being_read(served: Served) -> None:
    before = served.rss_kib()
    body = logcall_body(served.attacker.url)
    headers = {**signed_headers(SIGNING_SECRET, body), "Content-Length": str(1_000_000_000)}
    status, _ = post(served.port, b"", headers, send_body=b"a" * 65536)
    assert status == 413
    assert served.rss_kib() - before < 20_000, "the server read what it was told was 1 GB"
    assert served.attacker.requests == []


def test_a_chunked_body_over_the_cap_is_refused(served: Served) -> None:
    chunk = b"a" * 100_000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(15)) + b"0\r\n\r\n"
    body = logcall_body(served.attacker.url)
    head = [b"POST /slack/events HTTP/1.1", b"Host: 127.0.0.1", b"Transfer-Encoding: chunked"]
    head += [f"{k}: {v}".encode() for k, v in signed_headers(SIGNING_SECRET, body).items()]
    status, _ = exchange(served.port, b"\r\n".join(head) + b"\r\n\r\n" + chunks)
    assert status == 413


def test_after_the_attacks_a_signed_logcall_is_served_and_a_replay_logs_nothing(
    served: Served,
) -> None:
    body = logcall_body(served.standin.response_url("edge"), "Edge Case vm")
    headers = signed_headers(SIGNING_SECRET, body)
    replies = [post(served.port, body.encode(), headers) for _ in range(3)]
    assert [status for status, _ in replies] == [200, 200, 200]
    assert "Voicemail left" in json.loads(replies[0][1])["text"]
    assert [answer for _, answer in replies[1:]] == [b"", b""]
    with served.engine.connect() as connection:
        logged = connection.scalars(select(CallLogRow.outcome)).all()
    assert logged == ["vm"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_gunicorn_refuses_the_same_without_waitress_in_front(
    engine: Engine, standin: SlackStandIn, attacker: Attacker
) -> None:
    """Gunicorn has no body cap of its own: the edge's Content-Length check is all there is."""
    env = {"DATABASE_URL": str(engine.url), "SLACK_API_URL": standin.base_url}
    with server(GUNICORN, env) as (port, pid):
        served = Served(port, pid, engine, standin, attacker)
        before_rows, before_rss = served.rows(), served.rss_kib()
        body = logcall_body(attacker.url)
        headers = {**signed_headers(SIGNING_SECRET, body), "Content-Length": str(1_000_000_000)}
        assert post(port, b"", headers, send_body=b"a" * 65536)[0] == 413
        for name in ("timestamp-abc", "signature-non-ascii", "signed-deep-payload"):
            status, attack_body, attack_headers = attacks(attacker.url)[name]
            assert post(port, attack_body, attack_headers)[0] == status, name
        assert served.rss_kib() - before_rss < 20_000
        assert served.rows() == before_rows
    assert attacker.requests == []
