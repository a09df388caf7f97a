"""drafts.promised_at: the time a drafted voicemail promised to try again; reps.working_day

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """ "I'll try you again today at noon" is a promise: once the voicemail is logged, that
    time becomes the follow-up, with its reminder."""
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_at", sa.DateTime(timezone=True), nullable=True))
    # The rep's calling day on their clock ("07:00-19:00"); NULL is the default day. A time
    # proposed to a prospect must suit the rep too.
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_day", sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("working_day")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("promised_at")
