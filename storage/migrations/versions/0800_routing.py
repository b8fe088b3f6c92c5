"""Customer cases for routing analysis, and the routing suggestions shown and decided.

Revision ID: 0800_routing
Revises: 0002_vendors
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0800_routing"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_case",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("initial_queue", sa.String(80), nullable=False),
        sa.Column("final_queue", sa.String(80), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=True),
        sa.Column("first_response_at", UTCDateTime(), nullable=True),
        sa.Column("solved_at", UTCDateTime(), nullable=True),
        sa.Column("vendor", sa.String(64), nullable=True),
        sa.Column("country", sa.String(64), nullable=True),
        sa.Column("language", sa.String(64), nullable=True),
        sa.Column("solve_hours", sa.Float(), nullable=True),
        sa.Column("first_response_hours", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_routing_case"),
    )
    # Covering, in group order: the analysis's GROUP BY scans it without sorting (see
    # storage/routing.py); deliberately no index on created_at alone.
    op.create_index(
        "ix_routing_case_groups",
        "routing_case",
        [
            "reason",
            "initial_queue",
            "final_queue",
            "created_at",
            "transfers",
            "solve_hours",
            "first_response_hours",
            "vendor",
        ],
    )
    op.create_table(
        "routing_suggestion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("from_queue", sa.String(80), nullable=False),
        sa.Column("to_queue", sa.String(80), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("cases_per_week", sa.Float(), nullable=False),
        sa.Column("hours_saved_per_week", sa.Float(), nullable=False),
        sa.Column("delay_hours", sa.Float(), nullable=False),
        sa.Column("window_label", sa.String(80), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "reason", "from_queue", "to_queue", "vendor_slug", name="uq_routing_suggestion"
        ),
    )


def downgrade() -> None:
    op.drop_table("routing_suggestion")
    op.drop_table("routing_case")
