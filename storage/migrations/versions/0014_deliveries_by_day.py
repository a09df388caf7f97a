"""deliveries by workspace, kind and day: whether another tick has started a workspace

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 12:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The unique key leads with the rep after the team, so asking whether a workspace's day
    is started scanned every delivery the workspace ever had."""
    op.create_index("ix_deliveries_team_kind_day", "deliveries", ["team_id", "kind", "local_date"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_team_kind_day", table_name="deliveries")
