"""Settings read once at the edge and passed in, so nothing reads the environment at import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time

DEFAULT_DATABASE_URL = "sqlite:///phonetag.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_HUBSPOT_API_URL = "https://api.hubapi.com"
DEFAULT_HUBSPOT_APP_URL = "https://app.hubspot.com"
DEFAULT_SALESFORCE_LOGIN_URL = "https://login.salesforce.com"
SERVE_THREADS = 4
"""Requests are mostly Python holding the GIL, so more threads only take turns: measured at 32
clients, 8 threads had a p99 about a third higher than 4, for the same throughput. Four still
leave room for the few requests that wait on Slack (views.open, users.info) or the database."""

DEFAULT_POSTS_IN_FLIGHT = 100
DEFAULT_SLACK_POSTS_PER_SECOND = 10
DEFAULT_DIGEST_PREPARE_MINUTES = 5
DEFAULT_DELIVERY_CUTOFF = time(12)
DEFAULT_RETENTION_DAYS = 90
DEFAULT_UNINSTALL_GRACE_DAYS = 30
IN_PROCESS_WORKER = "in-process"
SEPARATE_WORKER = "separate"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    posts_in_flight: int = DEFAULT_POSTS_IN_FLIGHT
    """At most this many digests wait on Slack at once during a tick, whatever the pace and
    the measured latency ask for (PHONETAG_POSTS_IN_FLIGHT)."""
    slack_posts_per_second: int = DEFAULT_SLACK_POSTS_PER_SECOND
    """Messages a second the digest posts in each workspace: Slack keeps a workspace-wide
    limit on chat.postMessage beside its one a second per channel
    (PHONETAG_SLACK_POSTS_PER_SECOND)."""
    digest_prepare_minutes: int = DEFAULT_DIGEST_PREPARE_MINUTES
    """Digests are built this many minutes before they are due, so their minute only posts
    them (PHONETAG_DIGEST_PREPARE_MINUTES)."""
    separate_worker: bool = False
    """`phonetag worker` runs the minute's ticks, so `serve` and `socket` do not
    (PHONETAG_WORKER=separate)."""
    delivery_cutoff: time = DEFAULT_DELIVERY_CUTOFF
    """Until when, on the rep's clock, a failed or uncertain digest is retried; after it the
    day is recorded as missed (PHONETAG_DELIVERY_CUTOFF, HH:MM)."""
    retention_days: int = DEFAULT_RETENTION_DAYS
    """Deliveries and sent or cancelled CRM outbox rows older than this many days are
    deleted by the worker's tick (PHONETAG_RETENTION_DAYS)."""
    metrics_port: int | None = None
    """`phonetag worker` serves GET /metrics on this port (PHONETAG_METRICS_PORT); none when
    unset."""
    secret_key: str | None = None
    """PHONETAG_SECRET_KEY: the Fernet key CRM credentials are encrypted with at rest (and
    the suppression list's hashes are keyed from)."""
    uninstall_grace_days: int = DEFAULT_UNINSTALL_GRACE_DAYS
    """PHONETAG_UNINSTALL_GRACE_DAYS: how long an uninstalled workspace's data is kept, in
    case it installs again, before the worker forgets it."""
    hubspot_access_token: str | None = None
    hubspot_api_url: str = DEFAULT_HUBSPOT_API_URL
    salesforce_instance_url: str | None = None
    salesforce_access_token: str | None = None
    aircall_webhook_token: str | None = None
    """AIRCALL_WEBHOOK_TOKEN: the token Aircall puts in every webhook body it sends us."""
    twilio_auth_token: str | None = None
    """TWILIO_AUTH_TOKEN: what Twilio signs its status callbacks with."""
    log_format: str | None = None
    """PHONETAG_LOG_FORMAT: `json` or `text`; unset, text on a terminal and JSON otherwise."""
    hubspot_client_id: str | None = None
    hubspot_client_secret: str | None = None
    hubspot_app_url: str = DEFAULT_HUBSPOT_APP_URL
    """Where an admin's browser authorizes the HubSpot app (HUBSPOT_APP_URL)."""
    salesforce_client_id: str | None = None
    salesforce_client_secret: str | None = None
    salesforce_login_url: str = DEFAULT_SALESFORCE_LOGIN_URL
    """Production's login host, `https://test.salesforce.com` for a sandbox, or a My Domain."""
    public_url: str | None = None
    """PHONETAG_PUBLIC_URL: where the outside world reaches us, e.g. https://phonetag.example.com
    (the CRMs send an admin's browser back under it; Twilio signs the full URL it posted to)."""

    @property
    def hubspot_oauth(self) -> bool:
        return bool(self.hubspot_client_id and self.hubspot_client_secret and self.public_url)

    @property
    def salesforce_oauth(self) -> bool:
        return bool(self.salesforce_client_id and self.salesforce_client_secret and self.public_url)

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def secrets(self) -> list[str | None]:
        """Everything that must never reach a log line."""
        return [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_client_secret,
            self.slack_app_token,
            self.secret_key,
            self.hubspot_access_token,
            self.salesforce_access_token,
            self.aircall_webhook_token,
            self.twilio_auth_token,
            self.hubspot_client_secret,
            self.salesforce_client_secret,
        ]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            return environ.get(name) or None

        retired = [name for name in _RETIRED_SALESFORCE_LOGIN if get(name)]
        if retired:
            raise ValueError(
                f"{', '.join(retired)}: Salesforce's username-password login is no longer"
                " supported (Salesforce is retiring it). Connect with OAuth from /prospect crm"
                " (docs/crm.md), or set SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN."
            )
        return cls(
            database_url=database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            slack_api_url=_with_trailing_slash(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            posts_in_flight=_count(
                "PHONETAG_POSTS_IN_FLIGHT", get("PHONETAG_POSTS_IN_FLIGHT"), DEFAULT_POSTS_IN_FLIGHT
            ),
            slack_posts_per_second=_count(
                "PHONETAG_SLACK_POSTS_PER_SECOND",
                get("PHONETAG_SLACK_POSTS_PER_SECOND"),
                DEFAULT_SLACK_POSTS_PER_SECOND,
            ),
            digest_prepare_minutes=_count(
                "PHONETAG_DIGEST_PREPARE_MINUTES",
                get("PHONETAG_DIGEST_PREPARE_MINUTES"),
                DEFAULT_DIGEST_PREPARE_MINUTES,
            ),
            delivery_cutoff=_clock_time(
                "PHONETAG_DELIVERY_CUTOFF", get("PHONETAG_DELIVERY_CUTOFF"), DEFAULT_DELIVERY_CUTOFF
            ),
            retention_days=_count(
                "PHONETAG_RETENTION_DAYS", get("PHONETAG_RETENTION_DAYS"), DEFAULT_RETENTION_DAYS
            ),
            metrics_port=_port("PHONETAG_METRICS_PORT", get("PHONETAG_METRICS_PORT")),
            separate_worker=_worker_mode(get("PHONETAG_WORKER")) == SEPARATE_WORKER,
            secret_key=get("PHONETAG_SECRET_KEY"),
            uninstall_grace_days=_days(
                get("PHONETAG_UNINSTALL_GRACE_DAYS"), DEFAULT_UNINSTALL_GRACE_DAYS
            ),
            hubspot_access_token=get("HUBSPOT_ACCESS_TOKEN"),
            hubspot_api_url=(get("HUBSPOT_API_URL") or DEFAULT_HUBSPOT_API_URL).rstrip("/"),
            salesforce_instance_url=get("SALESFORCE_INSTANCE_URL"),
            salesforce_access_token=get("SALESFORCE_ACCESS_TOKEN"),
            aircall_webhook_token=get("AIRCALL_WEBHOOK_TOKEN"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            log_format=_log_format(get("PHONETAG_LOG_FORMAT")),
            hubspot_client_id=get("HUBSPOT_CLIENT_ID"),
            hubspot_client_secret=get("HUBSPOT_CLIENT_SECRET"),
            hubspot_app_url=(get("HUBSPOT_APP_URL") or DEFAULT_HUBSPOT_APP_URL).rstrip("/"),
            salesforce_client_id=get("SALESFORCE_CLIENT_ID"),
            salesforce_client_secret=get("SALESFORCE_CLIENT_SECRET"),
            salesforce_login_url=(
                get("SALESFORCE_LOGIN_URL") or DEFAULT_SALESFORCE_LOGIN_URL
            ).rstrip("/"),
            public_url=(get("PHONETAG_PUBLIC_URL") or "").rstrip("/") or None,
        )


_RETIRED_SALESFORCE_LOGIN = (
    "SALESFORCE_USERNAME",
    "SALESFORCE_PASSWORD",
    "SALESFORCE_SECURITY_TOKEN",
)
"""Said out loud at start rather than ignored: a CRM that silently stopped would be worse."""


def _count(name: str, text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more: {text!r}")
    return int(text)


def _clock_time(name: str, text: str | None, default: time) -> time:
    if text is None:
        return default
    match = re.fullmatch(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*", text)
    if match is None:
        raise ValueError(f"{name} must be a time of day as HH:MM, e.g. 12:00: {text!r}")
    return time(int(match[1]), int(match[2]))


def port_number(name: str, text: str) -> int:
    """A TCP port, 1 to 65535, or a ValueError naming `name`."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{name} must be a port number from 1 to 65535: {text!r}")
    return int(text)


def _port(name: str, text: str | None) -> int | None:
    return None if text is None else port_number(name, text)


LOG_FORMATS = ("json", "text")


def _log_format(text: str | None) -> str | None:
    if text is None:
        return None
    chosen = text.strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"PHONETAG_LOG_FORMAT must be json or text: {text!r}")
    return chosen


def _days(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.strip().isdigit():
        raise ValueError(
            f"PHONETAG_UNINSTALL_GRACE_DAYS must be a whole number of days, 0 or more: {text!r}"
        )
    return int(text)


def _worker_mode(text: str | None) -> str:
    mode = (text or IN_PROCESS_WORKER).strip().lower()
    if mode not in (IN_PROCESS_WORKER, SEPARATE_WORKER):
        raise ValueError(
            f"PHONETAG_WORKER must be {IN_PROCESS_WORKER!r} or {SEPARATE_WORKER!r}: {text!r}"
        )
    return mode


# The forms hosts hand out (Heroku, Render, Fly, Supabase): SQLAlchemy would pick psycopg2 for
# `postgresql://` and knows no `postgres` dialect, while the driver we ship is psycopg 3.
_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
_POSTGRES_DRIVER = "postgresql+psycopg://"


_SUPPORTED_SCHEMES = ("sqlite://", "sqlite+pysqlite://", _POSTGRES_DRIVER)


def database_url(url: str) -> str:
    """`DATABASE_URL` as SQLAlchemy needs it: PostgreSQL URLs in any common form use psycopg.
    Any other database is refused here, by name, rather than as a missing driver later."""
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return _POSTGRES_DRIVER + url.removeprefix(scheme)
    if not url.startswith(_SUPPORTED_SCHEMES):
        scheme = url.partition(":")[0] or url
        raise ValueError(
            f"DATABASE_URL: {scheme} is not supported; use sqlite:///FILE or postgresql://…"
        )
    return url


def _with_trailing_slash(url: str) -> str:
    """slack_sdk joins method names onto the base URL, which needs the slash."""
    return url if url.endswith("/") else url + "/"
