"""the CRM: per-workspace connections, the call outbox and CRM ids on prospects, calls, reps

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "crm_connections",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("web_url", sa.String(length=200), nullable=True),
        sa.Column("connected_by", sa.String(length=32), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_error", sa.String(length=300), nullable=True),
        sa.Column("last_push_error", sa.String(length=300), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_crm_connections")),
    )
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("rep_user_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("crm_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("response_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_outbox")),
    )
    op.create_index("ix_crm_outbox_team_status", "crm_outbox", ["team_id", "status", "id"])
    op.create_index("ix_crm_outbox_call", "crm_outbox", ["team_id", "call_id"])
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crm_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("crm_object", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_prospects_crm_id", ["team_id", "crm_id"], unique=False)
    with op.batch_alter_table("call_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crm_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crm_owner_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("crm_owner_id")
    with op.batch_alter_table("call_logs", schema=None) as batch_op:
        batch_op.drop_column("crm_id")
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.drop_index("ix_prospects_crm_id")
        batch_op.drop_column("crm_object")
        batch_op.drop_column("crm_id")
    op.drop_index("ix_crm_outbox_call", table_name="crm_outbox")
    op.drop_index("ix_crm_outbox_team_status", table_name="crm_outbox")
    op.drop_table("crm_outbox")
    op.drop_table("crm_connections")
