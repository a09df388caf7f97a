"""Fetching a file a rep shared with us, with the bot token, from Slack's file host only.

The download URL comes in a `files.info` answer, and Slack's private URLs want the bot token
as a bearer header. So the URL is checked before anything is sent: fetched from anywhere, it
would hand the token to whoever chose the address (a loopback admin page, a redirect to
another host) or read a local file (`file:///etc/passwd`). Redirects are followed only
within the same host, and the whole download has a deadline as well as a size cap: a server
that drips a byte every few seconds never trips a per-read timeout.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import SplitResult, urljoin, urlsplit

SLACK_FILES = "https://files.slack.com/"
MAX_BYTES = 20 * 1024 * 1024
"""About 100,000 rows of a CRM export; a bigger file belongs on `phonetag import`."""
DEADLINE_SECONDS = 60.0
_MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class DownloadPolicy:
    """Where shared files may come from and how much of them: Slack's file host, by default.

    Tests point `allowed_url` at a loopback stand-in and shorten the deadline.
    """

    allowed_url: str = SLACK_FILES
    deadline_seconds: float = DEADLINE_SECONDS
    max_bytes: int = MAX_BYTES

    @property
    def host(self) -> str:
        return urlsplit(self.allowed_url).hostname or self.allowed_url


class DownloadRefused(Exception):
    """A download we would not start or finish; `message` tells the rep why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DOWNLOAD_FAILURES = (OSError, http.client.HTTPException)
"""What the network may throw: refused or dropped connections, bad TLS, garbled HTTP."""


def download(
    url: str,
    token: str | None,
    policy: DownloadPolicy,
    into: BinaryIO,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Write the file at `url` into `into`.

    Raises DownloadRefused for a URL outside `policy`, a redirect elsewhere, an answer other
    than 200, a file over the size cap or a download past the deadline; raises one of
    DOWNLOAD_FAILURES when the network fails.
    """
    give_up_at = clock() + policy.deadline_seconds
    for _ in range(_MAX_REDIRECTS + 1):
        _check_allowed(url, policy)
        connection = _connect(url, max(0.01, give_up_at - clock()))
        try:
            target = urlsplit(url)
            path = target.path + (f"?{target.query}" if target.query else "")
            connection.request("GET", path or "/", headers={"Authorization": f"Bearer {token}"})
            # Held here: the connection lets go of its socket when the answer closes it.
            sock = connection.sock
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise DownloadRefused(f"Slack's file host answered {response.status}.")
            _copy(response, sock, policy, into, give_up_at, clock)
            return
        except TimeoutError:
            raise DownloadRefused(_too_slow(policy)) from None
        finally:
            connection.close()
    raise DownloadRefused("Slack's file host sent me round in circles (too many redirects).")


def _check_allowed(url: str, policy: DownloadPolicy) -> None:
    """Same scheme, host and port as the allowed URL, under its path, and no credentials."""
    target, allowed = urlsplit(url), urlsplit(policy.allowed_url)
    if not (
        target.scheme == allowed.scheme
        and target.hostname is not None
        and target.hostname == allowed.hostname
        and _port(target) == _port(allowed)
        and target.username is None
        and target.path.startswith(allowed.path or "/")
    ):
        raise DownloadRefused(
            f"The file's download link doesn't point at Slack's file host ({policy.host}),"
            " so I didn't fetch it."
        )


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # not a number, or out of range
        return None


def _connect(url: str, timeout: float) -> http.client.HTTPConnection:
    target = urlsplit(url)
    host, port = str(target.hostname), _port(target)
    if target.scheme == "https":
        return http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _copy(
    response: http.client.HTTPResponse,
    sock: socket.socket | None,
    policy: DownloadPolicy,
    into: BinaryIO,
    give_up_at: float,
    clock: Callable[[], float],
) -> None:
    """Chunk by chunk, each read waiting no longer than what is left of the deadline."""
    received = 0
    while True:
        left = give_up_at - clock()
        if left <= 0:
            raise DownloadRefused(_too_slow(policy))
        if sock is not None:
            sock.settimeout(left)
        chunk = response.read1(_CHUNK)
        if not chunk:
            return
        received += len(chunk)
        if received > policy.max_bytes:
            raise DownloadRefused(f"It is over {policy.max_bytes // 1024 // 1024} MB.")
        into.write(chunk)


def _too_slow(policy: DownloadPolicy) -> str:
    return f"Slack took over {policy.deadline_seconds:g} seconds to hand me the file."
