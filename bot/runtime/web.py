"""The HTTP surface: Bolt's WSGI adapter for Slack plus a health check for load balancers."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.runtime.app import build_app, open_database
from bot.runtime.logs import configure_logging

StartResponse = Callable[[str, list[tuple[str, str]]], object]
WsgiApp = Callable[[dict[str, object], StartResponse], Iterable[bytes]]


def create() -> WsgiApp:
    """Gunicorn's entry point, `gunicorn -w 4 'bot.runtime.web:create()'`: each worker builds
    its own app from the environment and shares nothing with the others but the database."""
    settings = Settings.from_env(os.environ)
    configure_logging(logging.INFO, [settings.slack_signing_secret, settings.slack_client_secret])
    engine = open_database(settings)
    return wsgi_app(build_app(settings, engine), engine)


def wsgi_app(app: App, engine: Engine) -> WsgiApp:
    slack = SlackRequestHandler(app)

    def route(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return _health(engine, start_response)
        return slack(environ, start_response)

    return route


def _health(engine: Engine, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"ok": True, "database": "reachable"}
    except SQLAlchemyError:
        status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
