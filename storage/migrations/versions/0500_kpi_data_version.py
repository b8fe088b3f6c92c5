"""KPI data version: one counter bumped by every fact or spike write (snapshot cache key).

Revision ID: 0500_kpi_data_version
Revises: 0100_kpi
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0500_kpi_data_version"
down_revision: str | Sequence[str] | None = "0100_kpi"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_data_version"),
    )
    op.execute("INSERT INTO kpi_data_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("kpi_data_version")
