"""`phonetag`: the one entry point for console, serve, socket, the worker and database chores.

Only the standard library and the settings are imported here: `phonetag --help` answers at
once, and each command imports what it needs (Bolt, SQLAlchemy, matplotlib) when it runs.
A command is a `_parser` entry (its options) and a `_name(args, settings)` function; a
start-up mistake is raised as a `StartupError` and said in one line with its exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import SERVE_THREADS, Settings, port_number
from bot.runtime.logs import configure_logging
from bot.runtime.startup import (
    EXIT_FAILED,
    EXIT_SETTINGS,
    StartupError,
    check_bot_token,
    check_token_kinds,
    require,
)

if TYPE_CHECKING:
    pass

# Chatty at INFO and of no use to someone running a command: Alembic's "Context impl
# SQLiteImpl." and each migration's name, APScheduler's job bookkeeping. `--verbose` shows them.
_QUIET_UNLESS_VERBOSE = ("alembic", "apscheduler")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ValueError as unusable:
        print(f"phonetag: {unusable}", file=sys.stderr)
        return EXIT_SETTINGS
    configure_logging(logging.INFO, settings.secrets, settings.log_format)
    if not args.verbose:
        for name in _QUIET_UNLESS_VERBOSE:
            logging.getLogger(name).setLevel(logging.WARNING)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return int(args.run(args, settings) or 0)
    except StartupError as mistake:
        print(f"phonetag {args.command}: {mistake.message}", file=sys.stderr)
        return mistake.exit_code
    except SQLAlchemyError as error:
        from storage.db import driver_words

        print(f"phonetag: database error: {driver_words(error)}", file=sys.stderr)
        return EXIT_FAILED


class _DefaultsOnce(argparse.HelpFormatter):
    """`(default: 3000)` after an option's help, unless the help already says its default or
    there is none worth saying (a flag, or an option that is simply unset)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "default" in text
            or action.default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return text + " (default: %(default)s)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phonetag",
        description="Phone Tag: a Slack bot that gets sales reps out of phone tag.",
        epilog="Exit codes: 0 done, 1 failed, 2 a setting or argument is wrong, 3 Slack "
        "refused a token, 4 Slack unreachable, 5 the port is taken (docs/operations.md).",
    )
    parser.add_argument(
        "--version", action=_PrintVersion, nargs=0, help="print phonetag's version and exit"
    )
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument(
        "--verbose", "-v", action="store_true", help="also log migrations and scheduler chatter"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(
        name: str,
        help: str,
        run: Callable[[argparse.Namespace, Settings], int],
        under: argparse._SubParsersAction[argparse.ArgumentParser] = commands,
    ) -> argparse.ArgumentParser:
        sub = under.add_parser(
            name, help=help, description=help, parents=[verbosity], formatter_class=_DefaultsOnce
        )
        # "serve", "db upgrade": how the one-line mistakes name the command.
        sub.set_defaults(run=run, command=sub.prog.removeprefix("phonetag "))
        return sub

    console = command("console", "local shell, no Slack account needed", _console)
    console.add_argument("--user", default="U0CONSOLE", help="Slack user id to act as")
    console.add_argument("--tz", default="America/Chicago", help="your time zone, Area/City")
    console.add_argument("--team", default="T0CONSOLE", help="Slack team id")
    console.add_argument(
        "--now",
        type=_console_now,
        help='the console\'s clock, on your --tz clock, e.g. "2026-12-01 07:30" (default: now)',
    )
    console.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="SQLite file the console keeps its data in (default: DATABASE_URL, else "
        "./phonetag.db)",
    )

    serve = command("serve", "Bolt over HTTP: POST /slack/events, GET /healthz", _serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; 0.0.0.0 behind a TLS proxy or in a container",
    )
    serve.add_argument("--port", type=int, default=3000, help="port to listen on")
    serve.add_argument("--threads", type=int, default=SERVE_THREADS, help="request threads")

    command("socket", "Bolt in Socket Mode: no public URL (needs SLACK_APP_TOKEN)", _socket)

    digest = command(
        "digest",
        "one scheduler tick: send every daily digest, Friday weekly picture and reminder due "
        "now and not yet sent, then the CRM outbox",
        _digest,
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

    worker = command(
        "worker",
        "run the minute's ticks (digests, weekly pictures, reminders, CRM) in their own process",
        _worker,
    )
    worker.add_argument(
        "--once",
        action="store_true",
        help="run one round of every tick, print a line per tick, and exit (for cron)",
    )
    worker.add_argument(
        "--processes",
        type=_at_least_one,
        default=1,
        help="tick processes sharing each round (one per core the box gives the worker); "
        "with more than one, this process only redraws App Homes",
    )
    worker.add_argument(
        "--metrics-port",
        type=_metrics_port,
        help="serve GET /metrics on this port (default: PHONETAG_METRICS_PORT, or none); "
        "with --processes N, tick process i serves on this port + i",
    )

    db = commands.add_parser(
        "db", help="database chores: db upgrade", description="Database chores."
    )
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    command("upgrade", "apply migrations to DATABASE_URL", _db_upgrade, db_commands)

    bulk = command("import", "import prospects for one rep from a CRM export (CSV)", _import)
    bulk.add_argument("file", type=Path, help="CSV from HubSpot, Salesforce or a plain sheet")
    bulk.add_argument("--team", required=True, help="Slack team id of the workspace")
    bulk.add_argument("--owner", required=True, help="Slack user id of the rep who owns them")
    bulk.add_argument(
        "--errors", type=Path, help="per-row report of skipped rows (default: FILE.errors.csv)"
    )

    export = command(
        "export", "write every row a workspace owns as JSON (see docs/privacy.md)", _export
    )
    export.add_argument("--team", required=True, help="Slack team id of the workspace")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    return parser


class _PrintVersion(argparse.Action):
    """Looked up only when asked: package metadata costs `--help` a noticeable share."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            said = version("phonetag")
        except PackageNotFoundError:
            said = "(not installed)"
        print(f"phonetag {said}")
        parser.exit()


def _metrics_port(text: str) -> int:
    try:
        return port_number("--metrics-port", text)
    except ValueError as bad:
        raise argparse.ArgumentTypeError(str(bad)) from None


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number of at least 1")
    return int(text)


def _console_now(text: str) -> str:
    """Checked here, read in --tz's zone once that is known."""
    from bot.runtime.console import console_moment

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


# Commands ------------------------------------------------------------------------------------


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.console import run_console

    logging.getLogger().setLevel(logging.WARNING)
    database_url = f"sqlite:///{args.db}" if args.db else settings.database_url
    return run_console(
        settings,
        database_url,
        team=args.team,
        user=args.user,
        tz=args.tz,
        now=args.now,
        lines=_lines(sys.stdin),
        out=sys.stdout,
        terminal=sys.stdin.isatty(),
    )


def _lines(stream: TextIO) -> Iterator[str]:
    """Read as they come: a terminal's lines are answered one by one."""
    while line := stream.readline():
        yield line


def _slack_checks(settings: Settings, *, slack_required: bool) -> None:
    """What every command that talks to Slack checks first; with OAuth there is no single
    bot token to check (each workspace's is stored at install)."""
    check_token_kinds(
        {"SLACK_BOT_TOKEN": settings.slack_bot_token, "SLACK_APP_TOKEN": settings.slack_app_token}
    )
    if settings.slack_bot_token and not settings.oauth_enabled:
        check_bot_token(settings, slack_required=slack_required)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.app import open_database
    from bot.runtime.scheduler import start_ticks
    from bot.runtime.startup import unusable_address
    from bot.runtime.web import server, serving_app
    from bot.services.context import Services
    from storage.db import make_session_factory

    needed = {"SLACK_SIGNING_SECRET": settings.slack_signing_secret}
    if not settings.oauth_enabled:
        needed["SLACK_BOT_TOKEN"] = settings.slack_bot_token
    require(needed)
    check_token_kinds({"SLACK_BOT_TOKEN": settings.slack_bot_token})
    engine = open_database(settings)
    services = Services(make_session_factory(engine), settings=settings)
    app = serving_app(settings, engine, services)
    try:
        listening = server(app, args.host, args.port, args.threads)
    except OSError as unusable:
        raise unusable_address(unusable, args.host, args.port) from None
    # Once the port is ours: a taken port is said before anything is asked of Slack.
    _slack_checks(settings, slack_required=False)
    in_process = start_ticks(settings, engine, services)
    try:
        logging.getLogger("phonetag").info("serving on http://%s:%d", args.host, args.port)
        listening.run()
    finally:
        if in_process is not None:
            in_process.shutdown()
    return 0


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.socket import run_socket_mode

    require(
        {"SLACK_APP_TOKEN": settings.slack_app_token, "SLACK_BOT_TOKEN": settings.slack_bot_token}
    )
    _slack_checks(settings, slack_required=True)
    return run_socket_mode(settings)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.worker import run_worker

    if not settings.oauth_enabled:
        require({"SLACK_BOT_TOKEN": settings.slack_bot_token})
        _slack_checks(settings, slack_required=False)
    if args.metrics_port is not None:
        settings = replace(settings, metrics_port=args.metrics_port)
    return run_worker(settings, once=args.once, processes=args.processes)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import make_engine, upgrade

    upgrade(make_engine(settings.database_url))
    print("database is up to date")
    return 0


def _digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime.app import open_database
    from bot.runtime.console import render_blocks
    from bot.runtime.ticks import PREVIEWABLE, minute_ticks
    from bot.services.slack_delivery import team_web_clients
    from storage.db import make_session_factory

    now = args.at or datetime.now(UTC)
    if not args.dry_run and not settings.oauth_enabled:
        require({"SLACK_BOT_TOKEN": settings.slack_bot_token})
        check_token_kinds({"SLACK_BOT_TOKEN": settings.slack_bot_token})
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
    from tqdm import tqdm

    from bot.runtime.app import open_database
    from bot.services.prospect_import import (
        UnreadableFile,
        default_report_path,
        read_export,
        run_import,
        write_report,
    )
    from storage.db import make_session_factory
    from storage.privacy import suppression_key

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
                suppression_key=suppression_key(settings.secret_key),
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


def _export(args: argparse.Namespace, settings: Settings) -> int:
    """Rows stream from the database to the file; the progress bar is on stderr."""
    from tqdm import tqdm

    from bot.runtime.app import open_database
    from bot.services.privacy import count_rows, write_export
    from storage.db import make_session_factory

    engine = open_database(settings)
    factory = make_session_factory(engine)
    try:
        total = count_rows(factory, args.team)
        with (
            tqdm(total=total, unit="row", file=sys.stderr, desc="exporting") as bar,
            _output(args.out) as out,
        ):
            written = write_export(factory, args.team, out, datetime.now(UTC), bar.update)
    finally:
        engine.dispose()
    print(f"exported {written} rows of {args.team}", file=sys.stderr)
    return 0


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as out:
        yield out


def _count(n: int, noun: str) -> str:
    """'1 duplicate', '2 errors': the summary is read by people."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
