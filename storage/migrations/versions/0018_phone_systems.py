"""phone systems: connected accounts, their call events, and duration and recording on calls

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("call_logs") as batch:
        batch.add_column(sa.Column("duration_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recording_url", sa.String(length=1000), nullable=True))
    op.create_table(
        "phone_accounts",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("vendor", sa.String(length=20), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("connected_by", sa.String(length=32), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "vendor", name=op.f("pk_phone_accounts")),
    )
    op.create_table(
        "phone_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("vendor", sa.String(length=20), nullable=False),
        sa.Column("vendor_call_id", sa.String(length=64), nullable=False),
        sa.Column("rep_user_id", sa.String(length=32), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("recording_url", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("call_log_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_phone_events_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["call_log_id"],
            ["call_logs.id"],
            name=op.f("fk_phone_events_call_log_id_call_logs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_events")),
        sa.UniqueConstraint(
            "vendor", "vendor_call_id", name=op.f("uq_phone_events_vendor_vendor_call_id")
        ),
    )
    op.create_index("ix_phone_events_prospect_id", "phone_events", ["prospect_id"])
    op.create_index("ix_phone_events_call_log_id", "phone_events", ["call_log_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_phone_events_call_log_id", table_name="phone_events")
    op.drop_index("ix_phone_events_prospect_id", table_name="phone_events")
    op.drop_table("phone_events")
    op.drop_table("phone_accounts")
    with op.batch_alter_table("call_logs") as batch:
        batch.drop_column("recording_url")
        batch.drop_column("duration_seconds")
