"""`phonetag`: the one entry point for console, serve, socket and database chores."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from tqdm import tqdm

from bot.config import SERVE_THREADS, Settings
from bot.runtime.app import build_app, open_database
from bot.runtime.console import PROMPT, Console, ConsoleUser, render_blocks
from bot.runtime.logs import configure_logging
from bot.runtime.scheduler import forget_old_claims, start_digest_scheduler
from bot.runtime.slack_standin import SlackStandIn
from bot.services.digest_delivery import run_digest_tick, team_web_clients
from bot.services.prospect_import import (
    UnreadableFile,
    default_report_path,
    read_export,
    run_import,
    write_report,
)
from bot.services.weekly_delivery import run_weekly_tick
from bot.storage.db import make_engine, make_session_factory, upgrade


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(os.environ)
    configure_logging(
        logging.INFO,
        [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_client_secret],
    )
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
    serve.add_argument(
        "--threads",
        type=int,
        default=SERVE_THREADS,
        help="request threads (default %(default)s)",
    )
    serve.set_defaults(run=_serve)

    socket = commands.add_parser("socket", help="Bolt in Socket Mode (needs SLACK_APP_TOKEN)")
    socket.set_defaults(run=_socket)

    digest = commands.add_parser(
        "digest",
        help="one scheduler tick: send every daily digest (and Friday weekly picture) due now "
        "and not yet sent",
    )
    digest.add_argument(
        "--at",
        type=_instant,
        help="the tick's instant, ISO-8601 with a UTC offset (default: now), "
        "e.g. 2026-11-23T07:30:00-06:00",
    )
    digest.add_argument(
        "--dry-run", action="store_true", help="print the messages that are due; send nothing"
    )
    digest.set_defaults(run=_digest)

    db = commands.add_parser("db", help="database chores")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    bulk = commands.add_parser(
        "import", help="import prospects for one rep from a CRM export (CSV)"
    )
    bulk.add_argument("file", type=Path, help="CSV from HubSpot, Salesforce or a plain sheet")
    bulk.add_argument("--team", required=True, help="Slack team id of the workspace")
    bulk.add_argument("--owner", required=True, help="Slack user id of the rep who owns them")
    bulk.add_argument(
        "--errors", type=Path, help="per-row report of skipped rows (default: FILE.errors.csv)"
    )
    bulk.set_defaults(run=_import)
    return parser


def start_digests(settings: Settings, engine: Engine) -> BackgroundScheduler:
    return start_digest_scheduler(make_session_factory(engine), team_web_clients(settings, engine))


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
        engine = open_database(console_settings)
        app = build_app(console_settings, engine)
        console = Console(app, standin, secret, ConsoleUser(args.team, args.user, args.tz))
        scheduler = start_digests(console_settings, engine)
        try:
            console.run(_prompted(sys.stdin), sys.stdout)
        finally:
            scheduler.shutdown(wait=False)
    return 0


def _prompted(stream: TextIO) -> Iterator[str]:
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

    from bot.runtime.edge import MAX_BODY_BYTES
    from bot.runtime.web import wsgi_app

    signing_secret = _require(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    if not settings.oauth_enabled:
        _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    engine = open_database(settings)
    scheduler = start_digests(settings, engine)
    try:
        serve(
            wsgi_app(build_app(settings, engine), engine, signing_secret),
            host=args.host,
            port=args.port,
            threads=args.threads,
            # Refused with 413 from the headers, before waitress buffers a byte of it.
            max_request_body_size=MAX_BODY_BYTES,
        )
    finally:
        scheduler.shutdown(wait=False)
    return 0


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = _require(settings.slack_app_token, "SLACK_APP_TOKEN")
    _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    engine = open_database(settings)
    app = build_app(settings, engine)
    scheduler = start_digests(settings, engine)
    try:
        SocketModeHandler(app, app_token).start()
    finally:
        scheduler.shutdown(wait=False)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(make_engine(settings.database_url))
    print("database is up to date")
    return 0


def _instant(text: str) -> datetime:
    """An ISO-8601 instant that names its offset: a bare local time would be read in the
    server's zone, which is rarely the zone the operator had in mind."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}” is not an ISO-8601 instant, e.g. 2026-11-23T07:30:00-06:00"
        ) from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"“{text}” has no UTC offset; add one, e.g. {text}-06:00 or {text}Z"
        )
    return at


def _digest(args: argparse.Namespace, settings: Settings) -> int:
    now = args.at or datetime.now(UTC)
    if not args.dry_run and not settings.oauth_enabled:
        _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    engine = open_database(settings)
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    for run in (run_digest_tick, run_weekly_tick):
        report = run(session_factory, clients, now, dry_run=args.dry_run)
        for key, message in sorted(report.previews.items()):
            print(f"--- {report.label} {key.team_id}/{key.rep_user_id} {key.local_date}")
            print(render_blocks(message.get("blocks") or []) or "(nothing due: not sent)")  # type: ignore[arg-type]
        print(report.summary())
    if not args.dry_run:
        forget_old_claims(session_factory, now)
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 2 only when nothing could be read; bad rows go to the report and the rest in."""
    try:
        export = read_export(args.file)
    except UnreadableFile as problem:
        print(f"phonetag import: {problem.message}", file=sys.stderr)
        return 2
    if export.columns.ignored:
        print(f"ignoring columns: {', '.join(export.columns.ignored)}", file=sys.stderr)
    engine = open_database(settings)
    try:
        with tqdm(total=len(export.rows), unit="row", file=sys.stderr, desc="importing") as bar:
            report = run_import(
                make_session_factory(engine),
                export,
                args.team,
                args.owner,
                datetime.now(UTC),
                progress=bar.update,
            )
    finally:
        engine.dispose()
    summary = (
        f"imported {report.imported}, skipped {report.duplicates} duplicates,"
        f" {report.errors} errors"
    )
    if report.skipped:
        report_path = args.errors or default_report_path(args.file)
        write_report(report_path, export.headers, report.skipped)
        summary += f" (see {report_path})"
    print(summary)
    return 0
