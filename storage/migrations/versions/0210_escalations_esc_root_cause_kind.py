"""Escalations: the kind of root cause given at resolve (e.g. a training gap).

Revision ID: 0210_escalations_esc
Revises: 0200_escalations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0210_escalations_esc"
down_revision: str | Sequence[str] | None = "0200_escalations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("escalation", sa.Column("root_cause_kind", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("root_cause_kind")
