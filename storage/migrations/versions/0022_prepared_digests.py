"""prepared digests: each rep's digest built in the minutes before it is due

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-07 15:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0022"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One row per rep and local date, from a few minutes before the digest until the day
    settles: nothing to carry over from before."""
    op.create_table(
        "prepared_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("rep_user_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("digest_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prepared_digests")),
        sa.UniqueConstraint(
            "team_id",
            "rep_user_id",
            "local_date",
            name=op.f("uq_prepared_digests_team_id_rep_user_id_local_date"),
        ),
    )
    op.create_index("ix_prepared_digests_digest_at", "prepared_digests", ["digest_at"])


def downgrade() -> None:
    op.drop_index("ix_prepared_digests_digest_at", table_name="prepared_digests")
    op.drop_table("prepared_digests")
