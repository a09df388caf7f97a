"""prospect standing: each prospect's relationship stage, when the digest next needs it and
where it lists it then

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:40:00.000000

Existing prospects are left "not known" (no stage, `due_at` 1970-01-01): the first digest to
read each rep works their standing out from the calls and writes it back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.models.NOT_KNOWN, in each database's own form (SQLite keeps SQLAlchemy's text).
_NOT_KNOWN = {
    "postgresql": sa.text("'1970-01-01 00:00:00+00'"),
    "sqlite": sa.text("'1970-01-01 00:00:00.000000'"),
}
_LISTING_TIMES = ("listed_until", "listed_callback_due", "listed_last_dial_at", "listed_next_try")


def upgrade() -> None:
    not_known = _NOT_KNOWN[op.get_bind().dialect.name]
    with op.batch_alter_table("prospects") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("due_at", sa.DateTime(timezone=True), nullable=True, server_default=not_known)
        )
        batch.add_column(
            sa.Column("standing_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("listed_in", sa.String(length=20), nullable=True))
        for name in _LISTING_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_prospects_due", ["team_id", "owner_id", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prospects") as batch:
        batch.drop_index("ix_prospects_due")
        for name in ("listed_in", *_LISTING_TIMES):
            batch.drop_column(name)
        batch.drop_column("standing_version")
        batch.drop_column("due_at")
        batch.drop_column("stage")
