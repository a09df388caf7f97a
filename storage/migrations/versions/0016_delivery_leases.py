"""deliveries held by leases and retried with backoff; indexes for pruning old rows

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A claim is held until `lease_until` (the database's clock, renewed while its post is
    in flight), not judged by the claiming round's start; a failed or uncertain day waits
    until `next_attempt_at`, the wait growing with `failures`. Rows claimed before this
    migration have no lease, and count as lapsed."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    op.create_index("ix_deliveries_local_date", "deliveries", ["local_date"])
    op.create_index("ix_crm_outbox_status_created", "crm_outbox", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_crm_outbox_status_created", table_name="crm_outbox")
    op.drop_index("ix_deliveries_local_date", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("failures")
        batch.drop_column("next_attempt_at")
        batch.drop_column("lease_until")
