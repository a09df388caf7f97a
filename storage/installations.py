"""Where OAuth installs keep their tokens: slack_sdk's own stores, on our database.

Their tables are declared on a metadata of our own so Alembic migrates them like ours.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData

OAUTH_STATE_SECONDS = 600

OAUTH_METADATA = MetaData()
SQLAlchemyInstallationStore.build_installations_table(
    OAUTH_METADATA, SQLAlchemyInstallationStore.default_installations_table_name
)
SQLAlchemyInstallationStore.build_bots_table(
    OAUTH_METADATA, SQLAlchemyInstallationStore.default_bots_table_name
)
SQLAlchemyOAuthStateStore.build_oauth_states_table(
    OAUTH_METADATA, SQLAlchemyOAuthStateStore.default_table_name
)


def installation_store(engine: Engine, client_id: str) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine)
