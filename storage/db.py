"""Engines and sessions. One sessionmaker per engine; a session per request or per tick."""

from __future__ import annotations

import sqlite3
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
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

WAIT_SECONDS = 2
"""Slack gives a reply 3 s. A database (or a lock, or a pooled connection) that has not
answered in 2 leaves us the last second to tell the rep that nothing was saved."""
SILENCE_MARGIN_SECONDS = 0.5
"""PostgreSQL may stay silent on an open connection this much longer than the wait budget
(2.5 s in production), for when it is frozen rather than slow (statement_timeout needs a
server that runs): above it, so a slow statement is cancelled cleanly by the server first."""


def make_engine(url: str, *, wait_seconds: float = WAIT_SECONDS) -> Engine:
    """Engines with time limits everywhere, and SQL parameters (names, phones, notes) kept out
    of error messages and so out of the logs.

    `wait_seconds` is production's budget inside Slack's 3 s; tests give their engines a
    generous one of their own, so a busy machine is not mistaken for a silent database."""
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer at a time anyway, and our transactions all
        # begin IMMEDIATE, so threads queue here in order instead of in SQLite's busy handler,
        # which sleeps up to 100 ms between retries. Other processes still meet that handler.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": wait_seconds},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=wait_seconds,
            hide_parameters=True,
        )
        _use_sqlite_transactions(engine, wait_seconds)
        return engine
    engine = create_engine(
        url,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=10,
        max_overflow=20,
        pool_timeout=wait_seconds,
        hide_parameters=True,
        connect_args=_postgres_time_limits(wait_seconds),
    )
    _answer_within(engine, wait_seconds + SILENCE_MARGIN_SECONDS)
    _ping_when_idle(engine)
    return engine


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


def _ping_when_idle(engine: Engine) -> None:
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
