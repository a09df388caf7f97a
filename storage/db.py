"""Engines and sessions. One sessionmaker per engine; a session per request or per tick."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from psycopg.errors import _WaitTimeout
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

WAIT_SECONDS = 2
"""Slack gives a reply 3 s. A database (or a lock) that has not answered in 2 leaves us the
last second to tell the rep that nothing was saved."""
SILENCE_MARGIN_SECONDS = 0.25
"""PostgreSQL may stay silent on an open connection this much longer than the wait budget
(2.25 s in production), for when it is frozen rather than slow (statement_timeout needs a
server that runs): above it, so a slow statement is cancelled cleanly by the server first."""
SILENCE_SECONDS = WAIT_SECONDS + SILENCE_MARGIN_SECONDS
POOL_WAIT_SECONDS = 0.5
"""How long a request waits for a pooled connection before it is answered "try again".
Spent before any of the waits above, so the two together (2.75 s) stay inside Slack's 3."""


def make_engine(url: str, *, wait_seconds: float = WAIT_SECONDS) -> Engine:
    """Engines with time limits everywhere, and SQL parameters (names, phones, notes) kept out
    of error messages and so out of the logs.

    `wait_seconds` is production's budget inside Slack's 3 s; tests give their engines a
    generous one of their own (the pool's wait grows with it), so a busy machine is not
    mistaken for a silent database."""
    answering = Answering()
    pool_wait = POOL_WAIT_SECONDS * wait_seconds / WAIT_SECONDS
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer at a time anyway, and our transactions all
        # begin IMMEDIATE, so threads queue here in order instead of in SQLite's busy handler,
        # which sleeps up to 100 ms between retries. Other processes still meet that handler.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": wait_seconds},
            poolclass=_pool_asking(answering),
            pool_size=1,
            max_overflow=0,
            pool_timeout=pool_wait,
            hide_parameters=True,
        )
        _use_sqlite_transactions(engine, wait_seconds)
        _track_answers(engine, answering)
        return engine
    engine = create_engine(
        url,
        poolclass=_pool_asking(answering),
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=10,
        max_overflow=20,
        pool_timeout=pool_wait,
        hide_parameters=True,
        connect_args=_postgres_time_limits(wait_seconds),
    )
    _answer_within(engine, wait_seconds + SILENCE_MARGIN_SECONDS)
    _ping_when_idle(engine, answering)
    _track_answers(engine, answering)
    return engine


class DatabaseResting(PoolTimeout):
    """The database did not answer in time a moment ago and another request is asking it
    again: this one is answered "try again" now rather than waiting out the same silence.
    A pool timeout, as it is one: no connection was handed out, nothing was sent."""


class Answering:
    """Whether the database has been answering, shared by every connection of one engine.

    After a wait ran out (a silent PostgreSQL, a connect that timed out, SQLite locked by
    another process, no pooled connection free in time), one checkout at a time goes
    through to ask it again, and the others fail at once. Without this, requests queued
    behind a few threads each waited out their own SILENCE_SECONDS in turn: replies after
    9 s during a 12 s freeze.
    """

    ASKING_SECONDS = POOL_WAIT_SECONDS + SILENCE_SECONDS + WAIT_SECONDS
    """The longest one asking checkout can take; one that never reports frees its turn."""
    SETTLE_SECONDS = 0.5
    """After the first wait runs out, no one asks for this long: the requests that queued
    behind the waiting threads are answered first (in milliseconds each)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._asker: int | None = None
        self._asking_until = 0.0

    def admit(self) -> None:
        """Called before a connection is handed out; raises DatabaseResting to refuse it."""
        if not self._down:
            return
        with self._lock:
            now = self._clock()
            if self._down and now < self._asking_until:
                raise DatabaseResting("the database did not answer a moment ago")
            self._asker = threading.get_ident()
            self._asking_until = now + self.ASKING_SECONDS

    def answered(self) -> None:
        if self._down:
            with self._lock:
                self._down = False
                self._asker = None

    def unanswered(self) -> None:
        """A wait ran out. Requests that were already waiting report it too; only the one
        asking frees the turn, so no two ask at once."""
        with self._lock:
            if not self._down:
                # Requests queued behind the ones that just waited are answered first; one
                # of them asking now would have waited its whole time limit twice.
                self._asking_until = self._clock() + self.SETTLE_SECONDS
            elif self._asker == threading.get_ident():
                self._asker = None
                self._asking_until = 0.0
            self._down = True


def _pool_asking(answering: Answering) -> type[QueuePool]:
    """A QueuePool that asks `answering` before handing out a connection. A class per engine,
    since the pool is rebuilt from its class when the engine is disposed."""

    class AnsweringQueuePool(QueuePool):
        def _do_get(self) -> ConnectionPoolEntry:
            answering.admit()
            try:
                return super()._do_get()
            except PoolTimeout:
                # Every connection busy past POOL_WAIT_SECONDS: on SQLite's one connection,
                # a holder waiting on another process's lock; the others need not queue too.
                answering.unanswered()
                raise

    AnsweringQueuePool.answering = answering  # type: ignore[attr-defined]
    return AnsweringQueuePool


def _unanswered(error: BaseException) -> bool:
    """A wait that ran out for the whole database, not one slow statement or one row lock."""
    if isinstance(error, DatabaseSilent | psycopg.errors.ConnectionTimeout):
        return True
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def _track_answers(engine: Engine, answering: Answering) -> None:
    @event.listens_for(engine, "after_cursor_execute")
    def _answered(*_args: object) -> None:
        answering.answered()

    @event.listens_for(engine, "handle_error")
    def _maybe_unanswered(context: ExceptionContext) -> None:
        # A lost connection also ends a turn at asking: it failed at once, so the next
        # checkout may ask straight away.
        if context.is_disconnect or _unanswered(context.original_exception):
            answering.unanswered()


def _postgres_time_limits(wait_seconds: float) -> dict[str, object]:
    milliseconds = round(wait_seconds * 1000)
    return {
        # libpq reads whole seconds, and 0 would mean no limit at all.
        "connect_timeout": max(1, round(wait_seconds)),
        "options": f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}",
    }


class _SilenceLimited(psycopg.Connection[Any]):
    """A psycopg connection that gives up on a server silent for `silence` seconds.

    psycopg waits on the socket without end, and a frozen server's kernel still acknowledges
    every packet, so no TCP setting notices. The connection is closed when it gives up, so
    the server rolls the transaction back once it wakes; only a COMMIT already sent when it
    froze may still land (the one case where "nothing was saved" can be wrong).
    """

    silence: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.silence is None:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.silence)
        except _WaitTimeout:
            self.pgconn.finish()
            raise DatabaseSilent(f"PostgreSQL did not answer within {self.silence} s") from None


class DatabaseSilent(psycopg.OperationalError):
    """PostgreSQL did not answer in time; the connection is closed."""


def _answer_within(engine: Engine, silence: float) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: object, _record: object, cargs: Any, cparams: Any) -> object:
        connection = _SilenceLimited.connect(*cargs, **cparams)
        connection.silence = silence
        return connection

    @event.listens_for(engine, "handle_error")
    def _no_reconnect_to_a_silent_server(context: ExceptionContext) -> None:
        """A silent pre-ping is an answer: a reconnect would spend another connect_timeout
        that the rep's reply does not have."""
        if context.is_pre_ping and isinstance(context.original_exception, DatabaseSilent):
            context.is_disconnect = False


@contextmanager
def without_statement_limits(connection: Connection) -> Iterator[None]:
    """Migrations may rewrite big tables: no statement time limit while they run. Waits for
    locks stay short, so a migration never queues the app's requests behind it for long."""
    dbapi = connection.connection.dbapi_connection
    if not isinstance(dbapi, _SilenceLimited):
        yield
        return
    dbapi.silence = None
    connection.exec_driver_sql("SET statement_timeout = 0")
    connection.commit()
    try:
        yield
    finally:
        # The pool opens a fresh connection, with every limit, for whoever comes next.
        connection.invalidate()


POOL_RECYCLE_SECONDS = 1800
"""Connections older than this are replaced: servers and proxies drop idle ones after a while."""

IDLE_PING_SECONDS = 5.0
"""A connection unused this long is pinged before use. Pinging every checkout (pre-ping) was a
round trip per transaction; busy connections are the ones that cannot have died unnoticed."""


def _ping_when_idle(engine: Engine, answering: Answering) -> None:
    """The database restarting between requests costs no request: a dead idle connection is
    found here and the pool replaces it (SQLAlchemy retries a checkout that raises
    DisconnectionError with a fresh connection)."""

    driver_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except DatabaseSilent:
            # A silent server is an answer: reconnecting would spend another connect
            # timeout that the rep's reply does not have.
            answering.unanswered()
            raise
        except driver_error as dead:
            raise DisconnectionError(str(dead)) from dead
        finally:
            del record.info["idle_since"]


def _use_sqlite_transactions(engine: Engine, wait_seconds: float) -> None:
    """pysqlite's own transaction handling defers BEGIN and breaks savepoints and locking.

    This is SQLAlchemy's documented workaround; WAL lets readers run beside one writer, and
    in WAL mode synchronous=NORMAL stays crash-safe while sparing an fsync per commit.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages: an erased
        # prospect must leave no trace in the file (docs/privacy.md).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={round(wait_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


DIALECT_INSERTS: dict[str, Callable[[type], Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,  # type: ignore[dict-item]
}
"""INSERT ... ON CONFLICT: both our engines have it, under different imports. Typed as
PostgreSQL's Insert; SQLite's has the same on_conflict_* methods. Statements on the hot
path are built once per dialect from this, and picked by the connection's dialect name."""


def insert_for(session: Session, model: type) -> Insert:
    return DIALECT_INSERTS[session.get_bind().dialect.name](model)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def driver_words(error: BaseException) -> str:
    """The driver's own first line (refused, unknown host, bad password, locked), not a
    traceback: it names the cause, and SQLAlchemy's wrapper adds the SQL and a link on later
    lines."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__
