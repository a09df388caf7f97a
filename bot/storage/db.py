"""Engines and sessions. One sessionmaker per engine; a session per request or per tick."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer at a time anyway, and our transactions all
        # begin IMMEDIATE, so threads queue here in order instead of in SQLite's busy handler,
        # which sleeps up to 100 ms between retries. Other processes still meet that handler.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
        )
        _use_sqlite_transactions(engine)
        return engine
    engine = create_engine(url, pool_recycle=POOL_RECYCLE_SECONDS, pool_size=10, max_overflow=20)
    _ping_when_idle(engine)
    return engine


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
        except driver_error as dead:
            raise DisconnectionError(str(dead)) from dead
        finally:
            del record.info["idle_since"]


def _use_sqlite_transactions(engine: Engine) -> None:
    """pysqlite's own transaction handling defers BEGIN and breaks savepoints and locking.

    This is SQLAlchemy's documented workaround; WAL lets readers run beside one writer, and
    in WAL mode synchronous=NORMAL stays crash-safe while sparing an fsync per commit.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_for(session: Session, model: type) -> Insert:
    """INSERT ... ON CONFLICT: both our engines have it, under different imports.

    Typed as PostgreSQL's Insert; SQLite's has the same on_conflict_* methods.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)  # type: ignore[return-value]


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
