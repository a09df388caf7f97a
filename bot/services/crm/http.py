"""How Phone Tag reaches Salesforce over HTTPS, and which hosts it will reach at all.

Every Salesforce address it uses (the login host, the `instance_url` a token answer names,
one an admin types) must be one of Salesforce's own hosts, on the default port, checked
before any connection is made; and no redirect is followed, so an answer can't send the
client anywhere else. Only `requests` here: the vendors' clients stay unloaded until used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from bot.services.crm.port import CrmRejected

TIMEOUT = (3.05, 10.0)
"""(connect, read) seconds: a CRM that hangs holds up the worker, never a rep."""
SALESFORCE_DOMAINS = (".salesforce.com", ".force.com")
"""Production and sandbox login hosts (`login.`, `test.`), My Domains
(`acme.my.salesforce.com`, `acme--dev.sandbox.my.salesforce.com`) and Lightning's
`*.force.com` hosts all end with one of these."""


class UntrustedHost(CrmRejected):
    """An address that is not Salesforce's: refused before anything is sent."""


class BoundedSession(requests.Session):
    """A requests session whose every request has a timeout (simple-salesforce sets none,
    and a hung CRM must not hold the worker for ever), whose own `verify` wins (requests
    otherwise lets REQUESTS_CA_BUNDLE override it), and that follows no redirect."""

    def __init__(self) -> None:
        super().__init__()
        self.max_redirects = 0

    def request(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("verify", self.verify)
        kwargs["allow_redirects"] = False
        return super().request(method, url, **kwargs)


@dataclass(frozen=True)
class CrmHttp:
    """The HTTP side of the CRM clients.

    `ca_file` and `loopback_for_tests` exist for the test suite's TLS stand-in on
    127.0.0.1: they are set only in code (never from the environment, a setting or
    anything typed in Slack), and production builds `CrmHttp()`.
    """

    ca_file: str | None = None
    loopback_for_tests: bool = False

    def session(self) -> BoundedSession:
        session = BoundedSession()
        if self.ca_file:
            session.verify = self.ca_file
        return session

    def salesforce_url(self, url: str) -> str:
        """`https://host` of a Salesforce address, or UntrustedHost saying why not."""
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            port = -1
        loopback = self.loopback_for_tests and host == "127.0.0.1"
        if parts.scheme != "https" or not host:
            raise UntrustedHost(f"{url[:100]!r} is not an https:// address of Salesforce.")
        if not loopback and (not host.endswith(SALESFORCE_DOMAINS) or port not in (None, 443)):
            raise UntrustedHost(
                f"{host[:100]!r} is not a Salesforce host (*.salesforce.com or *.force.com,"
                " port 443): Phone Tag connects to nothing else."
            )
        return f"https://{host}" + (f":{port}" if loopback and port else "")
