"""Vendor owner: the Slack user who answers for a vendor (its rules' action items go to them).

Revision ID: 0620_vendor_owner
Revises: 0610_vendor_aliases
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0620_vendor_owner"
down_revision: str | Sequence[str] | None = "0610_vendor_aliases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vendor", sa.Column("owner_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vendor") as batch:
        batch.drop_column("owner_id")
