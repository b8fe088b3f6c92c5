"""Initiative stories remember the tracker time of the status they hold.

Revision ID: 0410_plan_story_order
Revises: 0400_initiatives
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0410_plan_story_order"
down_revision: str | Sequence[str] | None = "0400_initiatives"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("initiative_child") as batch:
        batch.add_column(
            sa.Column("status_at_ms", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("initiative_child") as batch:
        batch.drop_column("status_at_ms")
