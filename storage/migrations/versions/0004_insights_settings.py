"""insights settings: learning per workspace, weekly picture time per rep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Server defaults give existing workspaces learning and existing reps a Friday picture.
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("window_learning", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weekly_time", sa.String(length=5), server_default="15:00", nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("weekly_time")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("window_learning")
