"""home_redraws.changed_at: a burst of changes is one App Home redraw, drawn once it ends

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 15:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("home_redraws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    # A Home waiting at the upgrade waits since its first change, as before.
    op.execute("UPDATE home_redraws SET changed_at = wanted_at")
    with op.batch_alter_table("home_redraws", schema=None) as batch_op:
        batch_op.alter_column(
            "changed_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("home_redraws", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
