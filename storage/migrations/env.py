"""Alembic runs against the engine handed over in config.attributes; no ini file needed."""

from alembic import context
from sqlalchemy import Engine

from storage.db import without_statement_limits
from storage.installations import OAUTH_METADATA
from storage.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection, without_statement_limits(connection):
    context.configure(
        connection=connection,
        target_metadata=[Base.metadata, OAUTH_METADATA],
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
