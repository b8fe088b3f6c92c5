"""SEV1 channels: remember the posted card and thread note, so a retried open posts neither twice.

Revision ID: 0910_surf_sev1_progress
Revises: 0900_surf_surfaces
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0910_surf_sev1_progress"
down_revision: str | Sequence[str] | None = "0900_surf_surfaces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident_channel", sa.Column("card_ts", sa.String(32), nullable=True))
    op.add_column(
        "incident_channel",
        sa.Column("note_posted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("incident_channel") as batch:
        batch.drop_column("note_posted")
        batch.drop_column("card_ts")
