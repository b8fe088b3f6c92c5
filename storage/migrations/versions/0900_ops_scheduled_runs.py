"""Fire-time claims for periodic jobs (KPI pull, key purge, rule sweep, reminders).

Revision ID: 0900_ops_scheduled_runs
Revises: 0002_vendors
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0900_ops_scheduled_runs"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("fire_time", UTCDateTime(), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_run"),
        sa.UniqueConstraint("job_id", "fire_time", name="uq_scheduled_run_fire"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_run")
