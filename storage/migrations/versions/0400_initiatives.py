"""Initiatives, suggestions and votes, KPI rules and their firings, team-summary runs.

Revision ID: 0400_initiatives
Revises: 0002_vendors
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0400_initiatives"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=True),
        sa.Column("stakeholders", sa.JSON(), nullable=False),
        sa.Column("vendors", sa.JSON(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("origin_channel_id", sa.String(32), nullable=True),
        sa.Column("key", sa.String(64), nullable=True),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("filing_state", sa.String(16), nullable=False),
        sa.Column("filing_error", sa.String(500), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("status_category", sa.String(16), nullable=False),
        sa.Column("status_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("children_total", sa.Integer(), nullable=False),
        sa.Column("children_done", sa.Integer(), nullable=False),
        sa.Column("last_update_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_initiative_key", "initiative", ["key"], unique=True)
    op.create_index("ix_initiative_owner_id", "initiative", ["owner_id"])
    op.create_table(
        "initiative_child",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiative.id"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("status_category", sa.String(16), nullable=False),
    )
    op.create_index("ix_initiative_child_initiative_id", "initiative_child", ["initiative_id"])
    op.create_table(
        "initiative_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiative.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_initiative_note_initiative_id", "initiative_note", ["initiative_id"])
    op.create_table(
        "initiative_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiative.id"), nullable=False),
        sa.Column("issue_key", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("initiative_id", "issue_key", name="uq_initiative_link"),
    )
    op.create_index("ix_initiative_link_initiative_id", "initiative_link", ["initiative_id"])

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column("text", sa.String(3000), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("capability", sa.String(1000), nullable=False),
        sa.Column("benefit", sa.String(1000), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reach", sa.Float(), nullable=True),
        sa.Column("impact", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("effort", sa.Float(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issue_key", sa.String(64), nullable=True),
        sa.Column("issue_url", sa.String(500), nullable=True),
        sa.Column("initiative_key", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_suggestion_author_id", "suggestion", ["author_id"])
    op.create_index("ix_suggestion_state", "suggestion", ["state"])
    op.create_index("ix_suggestion_created_at", "suggestion", ["created_at"])
    op.create_table(
        "suggestion_vote",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("suggestion_id", sa.Integer(), sa.ForeignKey("suggestion.id"), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("suggestion_id", "user_id", name="uq_suggestion_vote_user"),
    )
    op.create_index("ix_suggestion_vote_suggestion_id", "suggestion_vote", ["suggestion_id"])

    op.create_table(
        "kpi_rule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("op", sa.String(2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "kpi_rule_firing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("kpi_rule.id"), nullable=False),
        sa.Column("streak_start", sa.Date(), nullable=False),
        sa.Column("streak_end", sa.Date(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=False),
        sa.Column("escalation_ref", sa.String(255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("rule_id", "streak_start", name="uq_kpi_rule_firing_streak"),
    )
    op.create_index("ix_kpi_rule_firing_rule_id", "kpi_rule_firing", ["rule_id"])

    op.create_table(
        "team_summary_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fire_time", UTCDateTime(), nullable=False, unique=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("posted_ts", sa.String(32), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "team_summary_run",
        "kpi_rule_firing",
        "kpi_rule",
        "suggestion_vote",
        "suggestion",
        "initiative_link",
        "initiative_note",
        "initiative_child",
        "initiative",
    ):
        op.drop_table(table)
