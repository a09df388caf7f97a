"""crm_oauth: OAuth states for connecting a CRM, reps with no CRM user, auth alerts, outcome mapping

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "crm_oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_crm_oauth_states")),
    )
    op.create_index(
        "ix_crm_oauth_states_expires_at", "crm_oauth_states", ["expires_at"], unique=False
    )
    with op.batch_alter_table("reps") as batch_op:
        batch_op.add_column(sa.Column("crm_owner_checked_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("crm_connections") as batch_op:
        batch_op.add_column(sa.Column("auth_alerted_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("dispositions", sa.Text()))
        batch_op.add_column(sa.Column("auth_refused_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("crm_connections") as batch_op:
        batch_op.drop_column("auth_refused_at")
        batch_op.drop_column("dispositions")
        batch_op.drop_column("auth_alerted_at")
    with op.batch_alter_table("reps") as batch_op:
        batch_op.drop_column("crm_owner_checked_at")
    op.drop_index("ix_crm_oauth_states_expires_at", table_name="crm_oauth_states")
    op.drop_table("crm_oauth_states")
