"""The HTTP surface: Bolt's WSGI adapter for Slack plus a health check for load balancers."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from waitress import serve as waitress_serve
from waitress.task import ThreadedTaskDispatcher

from bot.config import Settings
from bot.runtime.app import build_app, open_database
from bot.runtime.edge import MAX_BODY_BYTES, Edge, StartResponse, WsgiApp, slack_request
from bot.runtime.logs import configure_logging

HEALTH_SECONDS = 0.8
"""Load balancers give a health check about a second; a database that has not answered by
then is as good as down for Slack's three."""
HEALTH_PATH = "/healthz"
HEALTH_THREADS = 2
"""`serve`'s threads for health checks alone, beside its request threads."""


def create() -> WsgiApp:
    """Gunicorn's entry point, `gunicorn -w 4 'bot.runtime.web:create()'`: each worker builds
    its own app from the environment and shares nothing with the others but the database."""
    settings = Settings.from_env(os.environ)
    if not settings.slack_signing_secret:
        raise SystemExit("phonetag: SLACK_SIGNING_SECRET is required to serve Slack")
    configure_logging(logging.INFO, [settings.slack_signing_secret, settings.slack_client_secret])
    engine = open_database(settings)
    return wsgi_app(build_app(settings, engine), engine, settings.slack_signing_secret)


def wsgi_app(app: App, engine: Engine, signing_secret: str) -> WsgiApp:
    """Bolt and the health check behind the edge, which refuses what Slack would never send."""
    slack = _SlackRequestHandler(app)
    # Checks that outlive their second finish in the background, bounded by the database
    # time limits; two threads are plenty for a load balancer's polling.
    checks = ThreadPoolExecutor(2, thread_name_prefix="healthz")

    def route(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _health(engine, checks, start_response)
        return slack(environ, start_response)

    return Edge(route, signing_secret)


class _SlackRequestHandler(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            slack_request(request.get_body(), request.get_headers(), request.query_string)
        )


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


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def serve(wsgi: WsgiApp, host: str, port: int, threads: int) -> None:
    """`phonetag serve`: waitress with `threads` request threads, and health checks apart."""
    waitress_serve(
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
