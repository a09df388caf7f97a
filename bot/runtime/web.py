"""The HTTP surface: Bolt's WSGI adapter for Slack, a health check for load balancers, and
`GET /metrics` for Prometheus (see docs/operations.md)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from waitress import create_server
from waitress.server import BaseWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.config import Settings
from bot.runtime.app import create_app, open_database
from bot.runtime.edge import MAX_BODY_BYTES, Edge, StartResponse, WsgiApp, slack_request
from bot.runtime.home_redraws import start_home_redraws
from bot.runtime.logs import configure_logging
from bot.runtime.metrics import metrics_app, surface_of, timed_request
from bot.runtime.phone_webhooks import SYSTEMS, PhoneWebhooks
from bot.services.context import Services
from bot.services.crm.port import CrmKind
from bot.services.slack_delivery import team_web_clients
from handlers.crm_oauth import ROUTES as CRM_REDIRECTS
from handlers.crm_oauth import oauth_redirect
from storage.db import make_session_factory

HEALTH_SECONDS = 0.8
"""Load balancers give a health check about a second; a database that has not answered by
then is as good as down for Slack's three."""
HEALTH_PATH = "/healthz"
HEALTH_THREADS = 2
"""`serve`'s threads for health checks alone, beside its request threads."""


def create() -> WsgiApp:
    """Gunicorn's entry point, `gunicorn -w 4 'bot.runtime.web:create()'`: each worker builds
    its own app from the environment and shares nothing with the others but the database.

    Gunicorn's workers never tick, but without a worker configured each redraws App Homes
    on a thread of its own, as `serve` does (gunicorn calls this in each worker, after the
    fork; with `--preload` it would run once, before, and the thread not survive the fork).
    """
    settings = Settings.from_env(os.environ)
    if not settings.slack_signing_secret:
        raise SystemExit("phonetag: SLACK_SIGNING_SECRET is required to serve Slack")
    configure_logging(logging.INFO, settings.secrets, settings.log_format)
    engine = open_database(settings)
    services = Services(make_session_factory(engine), settings=settings)
    if not settings.separate_worker:
        start_home_redraws(services, team_web_clients(settings, engine))
    return serving_app(settings, engine, services)


def serving_app(settings: Settings, engine: Engine, services: Services) -> WsgiApp:
    """Bolt, the health check and the phone systems' webhooks, sharing one set of services."""
    app = create_app(settings, services)
    return wsgi_app(app, engine, str(settings.slack_signing_secret), services=services)


def wsgi_app(
    app: App, engine: Engine, signing_secret: str, *, services: Services | None = None
) -> WsgiApp:
    """Bolt and the health check behind the edge, which refuses what Slack would never send;
    with `services`, the phone systems' webhooks beside it, behind their own checks, and the
    CRMs' OAuth redirects."""
    slack = _SlackRequestHandler(app)
    phone = (
        PhoneWebhooks(services, team_web_clients(services.settings, engine))
        if services is not None
        else None
    )
    # Checks that outlive their second finish in the background, bounded by the database
    # time limits; two threads are plenty for a load balancer's polling.
    checks = ThreadPoolExecutor(2, thread_name_prefix="healthz")

    def route(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            with timed_request("healthz"):
                return _health(engine, checks, start_response)
        if environ.get("PATH_INFO") == "/metrics":
            return metrics_app(environ, start_response)
        crm_kind = CRM_REDIRECTS.get(str(environ.get("PATH_INFO")))
        if crm_kind is not None and services is not None:
            return _crm_redirect(services, crm_kind, environ, start_response)
        return slack(environ, start_response)

    edge = Edge(route, signing_secret)

    def outside(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        # Phone systems sign nothing Slack's way: their paths are checked by their own edge.
        if phone is not None and environ.get("PATH_INFO") in SYSTEMS:
            return phone(environ, start_response)
        return edge(environ, start_response)

    return outside


class _SlackRequestHandler(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        bolt_request = slack_request(
            request.get_body(), request.get_headers(), request.query_string
        )
        with timed_request(surface_of(bolt_request.body)):
            return self.app.dispatch(bolt_request)


def _health(
    engine: Engine, checks: ThreadPoolExecutor, start_response: StartResponse
) -> Iterable[bytes]:
    try:
        checks.submit(_ping, engine).result(timeout=HEALTH_SECONDS)
        status, body = "200 OK", {"ok": True, "database": "reachable"}
    except (SQLAlchemyError, TimeoutError):
        status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def _crm_redirect(
    services: Services, kind: CrmKind, environ: dict[str, object], start_response: StartResponse
) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "GET":
        status, page = 405, "Method not allowed"
    else:
        query = parse_qs(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True)
        status, page = oauth_redirect(services, kind, query)
    body = page.encode()
    reason = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def server(wsgi: WsgiApp, host: str, port: int, threads: int) -> BaseWSGIServer:
    """`phonetag serve`'s waitress, bound but not yet serving (a taken port is an OSError
    here): `threads` request threads, and health checks apart."""
    return create_server(
        wsgi,
        host=host,
        port=port,
        # Refused with 413 from the headers, before waitress buffers a byte of it.
        max_request_body_size=MAX_BODY_BYTES,
        _dispatcher=HealthApart(threads),
    )


class HealthApart:
    """Waitress's task dispatcher, with `/healthz` on threads of its own.

    Waitress hands every parsed request to one queue of threads. When the database froze,
    health checks queued behind requests each waiting out their time limits and answered
    after 7 s; a load balancer then takes a server out for what is the database's fault,
    or leaves it in when it is really stuck. Each request is routed as waitress queues it (a
    connection's next request is queued anew), so a health check never waits for a request
    thread. Waitress takes a dispatcher through `create_server(_dispatcher=...)`, a parameter
    it calls a test shim: tests/runtime/test_health_threads.py fails if that ever changes.
    """

    def __init__(self, request_threads: int) -> None:
        self.requests = ThreadedTaskDispatcher()
        self.requests.set_thread_count(request_threads)
        self.health = ThreadedTaskDispatcher()
        self.health.set_thread_count(HEALTH_THREADS)

    def add_task(self, channel: object) -> None:
        pending = getattr(channel, "requests", None) or [None]
        path = getattr(pending[0], "path", None)
        (self.health if path == HEALTH_PATH else self.requests).add_task(channel)

    def set_thread_count(self, count: int) -> None:
        self.requests.set_thread_count(count)

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        health = self.health.shutdown(cancel_pending, timeout)
        return self.requests.shutdown(cancel_pending, timeout) and health
