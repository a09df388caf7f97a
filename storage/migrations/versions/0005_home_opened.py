"""when each rep first opened the App Home

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Existing reps count as having opened it, so their Home keeps refreshing as it did.
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_opened_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE reps SET home_opened_at = created_at"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("home_opened_at")
