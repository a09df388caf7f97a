"""What operators scrape: `GET /metrics` in Prometheus's text format, on the web server and
on `phonetag worker` (PHONETAG_METRICS_PORT). Each metric is described in
docs/operations.md; names and labels are part of the contract once shipped.

Counts and timings only: no team, rep or prospect is ever a label, so the page says nothing
about anyone and its size does not grow with the workspaces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app, start_http_server
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.digest_delivery import TickReport
from bot.services.slack_delivery import briefly
from storage import crm as crm_store
from storage.crm import OutboxStatus
from storage.digest import DeliveryStatus

logger = logging.getLogger(__name__)

DELIVERIES = Counter(
    "phonetag_deliveries",
    "Scheduled DMs by kind (digest, weekly, reminder) and how each round left them.",
    ["kind", "outcome"],
)
OLDEST_DUE = Gauge(
    "phonetag_digest_oldest_due_seconds",
    "How long the longest-waiting digest that is due, before its cut-off and not yet sent "
    "has been due, after the last digest tick; 0 when none waits.",
)
CRM_OUTBOX = Gauge(
    "phonetag_crm_outbox_rows",
    "CRM outbox rows waiting to be pushed (pending) and refused by the CRM (failed).",
    ["status"],
)
TICK_SECONDS = Histogram(
    "phonetag_tick_duration_seconds",
    "How long each tick of a round took.",
    ["tick"],
    buckets=(0.05, 0.25, 1, 5, 15, 30, 60, 120, 300, 600),
)
REQUEST_SECONDS = Histogram(
    "phonetag_request_duration_seconds",
    "Time to answer an HTTP request, by Slack surface (command, action, view, event) or "
    "healthz: Slack waits 3 s.",
    ["surface"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10),
)

SURFACES = ("command", "action", "view", "event", "healthz", "other")
_SURFACE_OF_TYPE = {
    "block_actions": "action",
    "block_suggestion": "action",
    "interactive_message": "action",
    "shortcut": "action",
    "message_action": "action",
    "view_submission": "view",
    "view_closed": "view",
    "event_callback": "event",
    "url_verification": "event",
    "app_rate_limited": "event",
}


def surface_of(body: Mapping[str, object]) -> str:
    """Which Slack surface a parsed request body comes from."""
    if "command" in body:
        return "command"
    return _SURFACE_OF_TYPE.get(str(body.get("type") or ""), "other")


@contextmanager
def timed_request(surface: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        REQUEST_SECONDS.labels(surface).observe(time.perf_counter() - started)


def observe_tick(name: str, report: object, seconds: float) -> None:
    """A tick's duration; for the delivery ticks, how many days ended in each outcome."""
    TICK_SECONDS.labels(name).observe(seconds)
    if not isinstance(report, TickReport):
        return
    for status in DeliveryStatus:
        settled = len(report.outcomes.get(status, ()))
        if settled:
            DELIVERIES.labels(report.label, status.value).inc(settled)
    if report.oldest_due_seconds is not None:
        OLDEST_DUE.set(report.oldest_due_seconds)


def observe_outbox(session_factory: sessionmaker[Session]) -> None:
    """The outbox's pending and failed rows, counted once a round."""
    try:
        with session_factory() as session:
            counts = crm_store.outbox_counts(session)
    except SQLAlchemyError as problem:
        logger.warning("counting the CRM outbox for /metrics failed: %s", briefly(problem))
        return
    for status in (OutboxStatus.PENDING, OutboxStatus.FAILED):
        CRM_OUTBOX.labels(status.value).set(counts[status])


metrics_app = make_wsgi_app(REGISTRY)
"""`GET /metrics` as a WSGI app, for the web server's route."""


def serve_metrics(port: int, host: str = "0.0.0.0") -> WSGIServer:
    """`GET /metrics` on a port of its own, on a daemon thread: the worker's. The caller may
    `shutdown()` the server it returns."""
    server, _thread = start_http_server(port, addr=host)
    return server
