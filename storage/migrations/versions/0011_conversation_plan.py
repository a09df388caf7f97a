"""talking points, desk hours and partner firms

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # A prospect's note stays private; the hook is the talking point drafts may say aloud.
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hook", sa.Text(), nullable=True))
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("partners", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("partners")
        batch_op.drop_column("desk_hours")
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.drop_column("hook")
