"""The DM import against a hostile file server: the bot token goes to Slack's file host only,
and no file, however slow or long, holds the import for more than its deadline and caps."""

from __future__ import annotations

import contextlib
import threading
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.runtime.slack_standin import FILE_DOWNLOAD, SlackStandIn
from bot.services.file_download import DownloadPolicy, DownloadRefused, download
from storage.models import ProspectRow
from tests.handlers.interactions import count
from tests.handlers.test_file_import import said, share
from tests.slack import Clock, SlackHarness

GOOD_CSV = b"Name,Phone\nJane Doe,+1 312 555 0100\n"
TINY_ROWS = 10_000_000
DEADLINE = 2.0


class FileHost(ThreadingHTTPServer):
    """A loopback server that records who asked for what, and answers each path its way."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str | None]] = []
        self.elsewhere = ""
        """Where /away redirects: another host."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: FileHost

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        # The bot hanging up is what a refused download looks like from here.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        match self.path:
            case "/files/good.csv":
                self._send(GOOD_CSV)
            case "/files/here":
                self._redirect("/files/good.csv")
            case "/files/away":
                self._redirect(f"{self.server.elsewhere}files/good.csv")
            case "/files/drip":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for byte in b"Name\n" + b"a\n" * 500:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)
            case "/files/tiny-rows":
                self.send_response(200)
                self.send_header("Content-Length", str(5 + 2 * TINY_ROWS))
                self.end_headers()
                self.wfile.write(b"Name\n")
                chunk = b"a\n" * 32_768
                for _ in range(TINY_ROWS // 32_768):
                    self.wfile.write(chunk)
                self.wfile.write(b"a\n" * (TINY_ROWS % 32_768))
            case _:
                self._send(b"not found", status=404)

    def _send(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serving() -> Iterator[FileHost]:
    host = FileHost()
    thread = threading.Thread(target=host.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield host
    host.shutdown()
    host.server_close()
    thread.join(5)


@pytest.fixture
def files() -> Iterator[FileHost]:
    """The file host the harness trusts, as Slack's is trusted in production."""
    yield from serving()


@pytest.fixture
def attacker() -> Iterator[FileHost]:
    """Another host, which must never hear from the bot."""
    yield from serving()


@pytest.fixture
def harness(
    engine: Engine, standin: SlackStandIn, clock: Clock, files: FileHost, attacker: FileHost
) -> SlackHarness:
    standin.clear()
    files.elsewhere = attacker.url
    policy = DownloadPolicy(allowed_url=f"{files.url}files/", deadline_seconds=DEADLINE)
    return SlackHarness(engine, standin, clock, downloads=policy)


def share_at(slack: SlackHarness, url: str | None, name: str = "leads.csv") -> None:
    share(slack, name, GOOD_CSV, described={"url_private_download": url})


def test_the_trusted_host_is_fetched_with_the_token(harness: SlackHarness, files: FileHost) -> None:
    share_at(harness, f"{files.url}files/here")  # a redirect within the host is followed
    assert "Imported 1 prospect" in said(harness)
    assert files.requests == [
        ("/files/here", "Bearer xoxb-test-token"),
        ("/files/good.csv", "Bearer xoxb-test-token"),
    ]


@pytest.mark.parametrize("path", ["files/good.csv", "other/good.csv"])
def test_another_host_or_path_is_never_asked(
    harness: SlackHarness, files: FileHost, attacker: FileHost, path: str
) -> None:
    url = f"{attacker.url}{path}" if path.startswith("files") else f"{files.url}{path}"
    share_at(harness, url)
    assert "doesn't point at Slack's file host" in said(harness)
    assert attacker.requests == [] and files.requests == []
    assert count(harness, ProspectRow) == 0


def test_a_redirect_to_another_host_is_refused_and_the_token_stays_home(
    harness: SlackHarness, files: FileHost, attacker: FileHost
) -> None:
    share_at(harness, f"{files.url}files/away")
    assert "Nothing was imported" in said(harness)
    assert "doesn't point at Slack's file host" in said(harness)
    assert attacker.requests == []
    assert count(harness, ProspectRow) == 0


def test_a_local_file_is_never_read(harness: SlackHarness) -> None:
    share_at(harness, "file:///etc/passwd")
    assert "doesn't point at Slack's file host" in said(harness)
    assert "root" not in said(harness)


def test_a_server_dripping_bytes_is_given_up_on_at_the_deadline(
    harness: SlackHarness, files: FileHost
) -> None:
    started = time.monotonic()
    share_at(harness, f"{files.url}files/drip")
    took = time.monotonic() - started
    assert f"took over {DEADLINE:g} seconds" in said(harness)
    assert took < DEADLINE + 2  # the deadline, and at most one drip past it
    assert count(harness, ProspectRow) == 0


def test_ten_million_tiny_rows_meet_the_row_cap_without_filling_memory(
    harness: SlackHarness, files: FileHost
) -> None:
    tracemalloc.start()
    try:
        share_at(harness, f"{files.url}files/tiny-rows")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "more than 50,000 rows" in said(harness)
    assert "Nothing was imported" in said(harness)
    assert count(harness, ProspectRow) == 0
    # 20 MB came down; it went to disk, and no row was held.
    assert peak < 8 * 1024 * 1024


def test_a_file_without_a_download_link_gets_a_clear_reply(harness: SlackHarness) -> None:
    share_at(harness, None)
    assert "no way to download *leads.csv*" in said(harness)
    assert harness.standin.calls_to("chat.update") == []  # never left at "Importing…"


def test_by_default_only_slacks_file_host_is_fetched(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    """The harness trusts the stand-in's loopback files; production trusts Slack's only."""
    standin.clear()
    slack = SlackHarness(engine, standin, clock, downloads=DownloadPolicy())
    share(slack, "leads.csv", GOOD_CSV)
    assert "doesn't point at Slack's file host (files.slack.com)" in said(slack)
    assert standin.calls_to(FILE_DOWNLOAD) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://files.slack.com/files-pri/T1-F1/download/leads.csv",
        "https://files.slack.com.evil.example/files-pri/T1-F1/leads.csv",
        "https://evil.example/https://files.slack.com/leads.csv",
        "https://token@files.slack.com/files-pri/T1-F1/leads.csv",
        "https://files.slack.com:8443/files-pri/T1-F1/leads.csv",
        "file:///etc/passwd",
        "ftp://files.slack.com/leads.csv",
        "https://127.0.0.1/files-pri/T1-F1/leads.csv",
    ],
)
def test_the_default_policy_refuses_anything_but_slacks_file_host(url: str) -> None:
    class Untouched:
        def write(self, data: bytes) -> int:
            raise AssertionError("nothing may be fetched")

    with pytest.raises(DownloadRefused, match=r"files\.slack\.com"):
        download(url, "xoxb-secret", DownloadPolicy(), Untouched())  # type: ignore[arg-type]
