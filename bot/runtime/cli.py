"""`phonetag`: the one entry point for console, serve, socket and database chores."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot.config import SERVE_THREADS, Settings
from bot.runtime.app import build_app, create_app, open_database
from bot.runtime.console import (
    PROMPT,
    Console,
    ConsoleClock,
    ConsoleUser,
    console_moment,
    render_blocks,
)
from bot.runtime.logs import configure_logging
from bot.runtime.scheduler import start_digest_scheduler
from bot.runtime.slack_standin import SlackStandIn
from bot.runtime.ticks import PREVIEWABLE, minute_ticks
from bot.runtime.worker import run_worker
from bot.services.context import Services
from bot.services.prospect_import import (
    UnreadableFile,
    default_report_path,
    read_export,
    run_import,
    write_report,
)
from bot.services.slack_delivery import team_web_clients
from storage.db import make_engine, make_session_factory, upgrade

# Chatty at INFO and of no use to someone running a command: Alembic's "Context impl
# SQLiteImpl." and each migration's name, APScheduler's job bookkeeping. `--verbose` shows them.
_QUIET_UNLESS_VERBOSE = ("alembic", "apscheduler")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ValueError as unusable:
        raise SystemExit(f"phonetag: {unusable}") from None
    configure_logging(logging.INFO, settings.secrets)
    if not args.verbose:
        for name in _QUIET_UNLESS_VERBOSE:
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        return int(args.run(args, settings) or 0)
    except SQLAlchemyError as error:
        print(f"phonetag: database error: {database_problem(error)}", file=sys.stderr)
        return 1


def database_problem(error: SQLAlchemyError) -> str:
    """The driver's own first line (refused, unknown host, bad password), not a traceback:
    it names the cause, and the rest is SQLAlchemy's frames and a link."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phonetag", description="Phone Tag: beat phone tag.")
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument(
        "--verbose", "-v", action="store_true", help="also log migrations and scheduler chatter"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=help,
            parents=[verbosity],
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )

    console = command("console", "local shell, no Slack account needed")
    console.add_argument("--user", default="U0CONSOLE", help="Slack user id to act as")
    console.add_argument("--tz", default="America/Chicago", help="your time zone, Area/City")
    console.add_argument("--team", default="T0CONSOLE", help="Slack team id")
    console.add_argument(
        "--now",
        type=_console_now,
        help='the console\'s clock, on your --tz clock, e.g. "2026-12-01 07:30" (default: now)',
    )
    console.set_defaults(run=_console)

    serve = command("serve", "Bolt over HTTP: POST /slack/events, GET /healthz")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on")
    serve.add_argument("--threads", type=int, default=SERVE_THREADS, help="request threads")
    serve.set_defaults(run=_serve)

    socket = command("socket", "Bolt in Socket Mode: no public URL (needs SLACK_APP_TOKEN)")
    socket.set_defaults(run=_socket)

    digest = command(
        "digest",
        "one scheduler tick: send every daily digest, Friday weekly picture and reminder due "
        "now and not yet sent, then the CRM outbox",
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

    worker = command(
        "worker",
        "run the minute's ticks (digests, weekly pictures, reminders, CRM) in their own process",
    )
    worker.add_argument(
        "--once", action="store_true", help="run one round of every tick and exit (for cron)"
    )
    worker.add_argument(
        "--processes",
        type=_at_least_one,
        default=1,
        help="tick processes sharing each round (one per core the box gives the worker); "
        "with more than one, this process only redraws App Homes",
    )
    worker.set_defaults(run=_worker)

    db = commands.add_parser("db", help="database chores")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser(
        "upgrade", help="apply migrations to DATABASE_URL", parents=[verbosity]
    ).set_defaults(run=_db_upgrade)

    bulk = command("import", "import prospects for one rep from a CRM export (CSV)")
    bulk.add_argument("file", type=Path, help="CSV from HubSpot, Salesforce or a plain sheet")
    bulk.add_argument("--team", required=True, help="Slack team id of the workspace")
    bulk.add_argument("--owner", required=True, help="Slack user id of the rep who owns them")
    bulk.add_argument(
        "--errors", type=Path, help="per-row report of skipped rows (default: FILE.errors.csv)"
    )
    bulk.set_defaults(run=_import)
    return parser


def start_digests(settings: Settings, engine: Engine) -> BackgroundScheduler:
    return start_digest_scheduler(
        make_session_factory(engine),
        team_web_clients(settings, engine),
        ticks=minute_ticks(settings),
    )


def start_ticks(settings: Settings, engine: Engine) -> BackgroundScheduler | None:
    """`serve` and `socket` tick in process unless `phonetag worker` does it for them."""
    if settings.separate_worker:
        logging.getLogger(__name__).info("ticks left to phonetag worker (PHONETAG_WORKER)")
        return None
    return start_digests(settings, engine)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.oauth_enabled:
        require("worker", {"SLACK_BOT_TOKEN": settings.slack_bot_token})
    return run_worker(settings, once=args.once, processes=args.processes)


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number of at least 1")
    return int(text)


def _console(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    try:
        tz = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"phonetag console: “{args.tz}” is not a time zone; use Area/City"
        raise SystemExit(message) from None
    clock = ConsoleClock(console_moment(args.now, tz) if args.now else None)
    with SlackStandIn() as standin:
        secret = secrets.token_hex(16)
        # The CRM settings pass through: the console can try a real CRM account.
        console_settings = replace(
            settings,
            slack_bot_token="xoxb-console",
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_client_id=None,
            slack_client_secret=None,
            slack_api_url=standin.base_url,
        )
        engine = open_database(console_settings)
        session_factory = make_session_factory(engine)
        app = create_app(
            console_settings, Services(session_factory, clock=clock, settings=console_settings)
        )
        clients = team_web_clients(console_settings, engine)

        ticks = minute_ticks(console_settings)

        def tick(now: datetime) -> None:
            for run in ticks.values():
                run(session_factory, clients, now)

        console = Console(
            app, standin, secret, ConsoleUser(args.team, args.user, args.tz), clock=clock, tick=tick
        )
        if args.now:
            # What is due at the moment asked for shows with the first reply.
            tick(clock())
        scheduler = start_digest_scheduler(session_factory, clients, clock, ticks)
        try:
            console.run(_prompted(sys.stdin), sys.stdout, echo=not sys.stdin.isatty())
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


def require(command: str, needed: dict[str, str | None]) -> None:
    """Every missing variable in one line, so a first start is fixed in one go."""
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise SystemExit(
            f"phonetag {command}: set {', '.join(missing)} in the environment "
            "(the README's “Install in Slack” says where each one is)"
        )


def _log_no_token_check() -> None:
    logging.getLogger("phonetag").info(
        "starting without asking Slack (auth.test): a wrong bot token shows on the first request"
    )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.web import serve, wsgi_app

    needed = {"SLACK_SIGNING_SECRET": settings.slack_signing_secret}
    if not settings.oauth_enabled:
        needed["SLACK_BOT_TOKEN"] = settings.slack_bot_token
    require("serve", needed)
    _log_no_token_check()
    engine = open_database(settings)
    scheduler = start_ticks(settings, engine)
    try:
        serve(
            wsgi_app(build_app(settings, engine), engine, str(settings.slack_signing_secret)),
            host=args.host,
            port=args.port,
            threads=args.threads,
        )
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.socket import BoundedSocketModeHandler

    require(
        "socket",
        {"SLACK_APP_TOKEN": settings.slack_app_token, "SLACK_BOT_TOKEN": settings.slack_bot_token},
    )
    _log_no_token_check()
    engine = open_database(settings)
    app = build_app(settings, engine)
    scheduler = start_ticks(settings, engine)
    try:
        BoundedSocketModeHandler(app, settings.slack_app_token).start()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(make_engine(settings.database_url))
    print("database is up to date")
    return 0


def _console_now(text: str) -> str:
    """Checked here, read in --tz's zone once that is known."""
    try:
        console_moment(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return text


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
        require("digest", {"SLACK_BOT_TOKEN": settings.slack_bot_token})
    engine = open_database(settings)
    session_factory = make_session_factory(engine)
    clients = team_web_clients(settings, engine)
    for name, run in minute_ticks(settings).items():
        if name not in PREVIEWABLE:
            if not args.dry_run:
                print(run(session_factory, clients, now).summary())
            continue
        report = run(session_factory, clients, now, dry_run=args.dry_run)  # type: ignore[call-arg]
        for key, message in sorted(report.previews.items()):  # type: ignore[attr-defined]
            print(f"--- {report.label} {key.team_id}/{key.rep_user_id} {key.local_date}")  # type: ignore[attr-defined]
            print(render_blocks(message.get("blocks") or []) or "(nothing due: not sent)")
        print(report.summary())
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
        with tqdm(total=export.total, unit="row", file=sys.stderr, desc="importing") as bar:
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
        f"imported {report.imported}, skipped {_count(report.duplicates, 'duplicate')},"
        f" {_count(report.errors, 'error')}"
    )
    if report.skipped:
        report_path = args.errors or default_report_path(args.file)
        write_report(report_path, export.headers, report.skipped)
        summary += f" (see {report_path})"
    print(summary)
    return 0


def _count(n: int, noun: str) -> str:
    """'1 duplicate', '2 errors': the summary is read by people."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
