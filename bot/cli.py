"""`phonetag`: the one entry point for console, serve, socket and database chores."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from slack_bolt import App
from sqlalchemy import Engine

from bot.app import Services, create_app
from bot.config import Settings
from bot.console import PROMPT, Console, ConsoleUser
from bot.slack_standin import SlackStandIn
from storage.db import make_engine, make_session_factory, upgrade


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env(os.environ)
    return int(args.run(args, settings) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phonetag", description="Phone Tag: beat phone tag.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    console = commands.add_parser("console", help="local shell, no Slack account needed")
    console.add_argument("--user", default="U0CONSOLE", help="Slack user id to act as")
    console.add_argument("--tz", default="America/Chicago", help="your time zone, Area/City")
    console.add_argument("--team", default="T0CONSOLE", help="Slack team id")
    console.set_defaults(run=_console)

    serve = commands.add_parser("serve", help="Bolt over HTTP on /slack/events")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(run=_serve)

    socket = commands.add_parser("socket", help="Bolt in Socket Mode (needs SLACK_APP_TOKEN)")
    socket.set_defaults(run=_socket)

    db = commands.add_parser("db", help="database chores")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    return parser


def open_database(settings: Settings) -> Engine:
    """Embedded SQLite needs no setup step: an empty file is brought up to date on start."""
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    return engine


def build_app(settings: Settings, engine: Engine) -> App:
    return create_app(settings, Services(session_factory=make_session_factory(engine)))


def _console(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    with SlackStandIn() as standin:
        secret = secrets.token_hex(16)
        console_settings = Settings(
            database_url=settings.database_url,
            slack_bot_token="xoxb-console",
            slack_signing_secret=secret,
            slack_api_url=standin.base_url,
        )
        app = build_app(console_settings, open_database(console_settings))
        console = Console(app, standin, secret, ConsoleUser(args.team, args.user, args.tz))
        console.run(_prompted(sys.stdin), sys.stdout)
    return 0


def _prompted(stream):  # type: ignore[no-untyped-def]
    interactive = stream.isatty()
    while True:
        if interactive:
            sys.stdout.write(PROMPT)
            sys.stdout.flush()
        line = stream.readline()
        if not line:
            return
        yield line


def _require(value: str | None, name: str) -> str:
    if not value:
        raise SystemExit(f"phonetag: {name} is required for this command")
    return value


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from waitress import serve

    from bot.web import wsgi_app

    _require(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    engine = open_database(settings)
    serve(
        wsgi_app(build_app(settings, engine), engine),
        host=args.host,
        port=args.port,
        threads=args.threads,
    )
    return 0


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = _require(settings.slack_app_token, "SLACK_APP_TOKEN")
    _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    app = build_app(settings, open_database(settings))
    SocketModeHandler(app, app_token).start()
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(make_engine(settings.database_url))
    print("database is up to date")
    return 0
