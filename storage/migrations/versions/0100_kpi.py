"""KPI facts, dimension values and detected spikes.

Revision ID: 0100_kpi
Revises: 0002_vendors
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0100_kpi"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMS = ("queue", "vendor", "country", "language", "channel")
_MEASURES = (
    "incoming",
    "manual_incoming",
    "solved",
    "manual_solved",
    "handle_seconds",
    "handled",
    "solve_age_seconds",
)


def upgrade() -> None:
    op.create_table(
        "kpi_fact",
        sa.Column("granularity", sa.String(4), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        *[sa.Column(d, sa.String(64), nullable=False) for d in _DIMS],
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(m, sa.Float(precision=53), nullable=True) for m in _MEASURES],
        sa.PrimaryKeyConstraint("granularity", "period_start", *_DIMS, name="pk_kpi_fact"),
    )
    op.create_index("ix_kpi_fact_day", "kpi_fact", ["granularity", "day"])
    op.create_index("ix_kpi_fact_vendor_day", "kpi_fact", ["vendor", "granularity", "day"])
    op.create_index("ix_kpi_fact_queue_day", "kpi_fact", ["queue", "granularity", "day"])
    op.create_table(
        "kpi_dimension_value",
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "value", name="pk_kpi_dimension_value"),
    )
    op.create_table(
        "kpi_spike",
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("slice_key", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("expected", sa.Float(precision=53), nullable=False),
        sa.Column("actual", sa.Float(precision=53), nullable=False),
        sa.Column("z", sa.Float(precision=53), nullable=False),
        sa.Column("explanation", sa.String(400), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("alerted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("kpi", "slice_key", "day", "kind", name="pk_kpi_spike"),
    )
    op.create_index("ix_kpi_spike_day", "kpi_spike", ["day"])


def downgrade() -> None:
    op.drop_table("kpi_spike")
    op.drop_table("kpi_dimension_value")
    op.drop_table("kpi_fact")
