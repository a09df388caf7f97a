"""reminders: a rep's on/off switch, and a snoozed return-call reminder's new minute

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("owed_return_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("owed_return_calls", schema=None) as batch_op:
        batch_op.drop_column("remind_at")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("reminders")
