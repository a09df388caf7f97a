"""name_key holds the casefold of any name a rep may type

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A character's casefold is at most three characters ("ΐ", "ﬃ"), and names are at most 120:
# "ß" × 110 casefolds to 220 and PostgreSQL refused it under the old 200.
_OLD, _NEW = 200, 360


def upgrade() -> None:
    """Upgrade schema."""
    _resize(_OLD, _NEW)


def downgrade() -> None:
    """Downgrade schema. PostgreSQL refuses it while a key is longer than the old width,
    rather than cutting keys short and letting two names match as one."""
    _resize(_NEW, _OLD)


def _resize(width: int, new_width: int) -> None:
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key",
            existing_type=sa.String(length=width),
            type_=sa.String(length=new_width),
            existing_nullable=False,
        )
