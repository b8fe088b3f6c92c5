"""Vendor aliases: other names people type for a vendor.

Revision ID: 0610_vendor_aliases
Revises: 0002_vendors
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0610_vendor_aliases"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_alias",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_vendor_alias_alias", "vendor_alias", ["alias"], unique=True)
    op.create_index("ix_vendor_alias_vendor_id", "vendor_alias", ["vendor_id"])


def downgrade() -> None:
    op.drop_table("vendor_alias")
