"""KPI daily rollup: Σ measures per day, queue, vendor and one more dimension, from the facts.

Revision ID: 0510_kpi_day_rollup
Revises: 0500_kpi_data_version
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0510_kpi_day_rollup"
down_revision: str | Sequence[str] | None = "0500_kpi_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = ("granularity", "detail", "day", "queue", "vendor", "value")
_DETAILS = ("country", "language", "channel")
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
    # Vendor and queue questions now read the rollup; the fact's day index serves the rest.
    op.drop_index("ix_kpi_fact_vendor_day", table_name="kpi_fact")
    op.drop_index("ix_kpi_fact_queue_day", table_name="kpi_fact")
    op.create_table(
        "kpi_day_rollup",
        sa.Column("granularity", sa.String(4), nullable=False),
        sa.Column("detail", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        *[sa.Column(m, sa.Float(precision=53), nullable=True) for m in _MEASURES],
        sa.PrimaryKeyConstraint(*_KEYS, name="pk_kpi_day_rollup"),
    )
    sums = ", ".join(f"SUM({m})" for m in _MEASURES)
    for detail in ("", *_DETAILS):
        value = detail or "''"
        # Only our own constant column names are interpolated.
        op.execute(
            f"INSERT INTO kpi_day_rollup ({', '.join(_KEYS)}, {', '.join(_MEASURES)}) "  # noqa: S608
            f"SELECT granularity, '{detail}', day, queue, vendor, {value}, {sums} FROM kpi_fact "
            f"GROUP BY granularity, day, queue, vendor{', ' + detail if detail else ''}"
        )


def downgrade() -> None:
    op.drop_table("kpi_day_rollup")
    op.create_index("ix_kpi_fact_vendor_day", "kpi_fact", ["vendor", "granularity", "day"])
    op.create_index("ix_kpi_fact_queue_day", "kpi_fact", ["queue", "granularity", "day"])
