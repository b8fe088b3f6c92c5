"""Escalations, their history and thread replies; the outbox; the local tracker.

Revision ID: 0200_escalations
Revises: 0002_vendors
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0200_escalations"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_job_kind", "outbox_job", ["kind"])
    op.create_index("ix_outbox_job_status", "outbox_job", ["status"])
    op.create_index("ix_outbox_job_next_attempt_at", "outbox_job", ["next_attempt_at"])

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=True),
        sa.Column("affected_accounts", sa.Integer(), nullable=True),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.String(32), nullable=False),
        sa.Column("reporter_name", sa.String(200), nullable=False),
        sa.Column("origin_channel_id", sa.String(32), nullable=True),
        sa.Column("source_permalink", sa.String(500), nullable=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
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
        sa.Column("assignee_account_id", sa.String(128), nullable=True),
        sa.Column("assignee_name", sa.String(200), nullable=True),
        sa.Column("assignee_slack_id", sa.String(32), nullable=True),
        sa.Column("assignee_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
    )
    for column in ("area", "severity", "vendor", "reporter_id", "message_ts", "created_at"):
        op.create_index(f"ix_escalation_{column}", "escalation", [column])
    op.create_index("ix_escalation_status_category", "escalation", ["status_category"])
    op.create_index("ix_escalation_key", "escalation", ["key"], unique=True)

    op.create_table(
        "escalation_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), sa.ForeignKey("escalation.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_value", sa.String(200), nullable=True),
        sa.Column("to_value", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_escalation_event_escalation_id", "escalation_event", ["escalation_id"])

    op.create_table(
        "escalation_reply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), sa.ForeignKey("escalation.id"), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", "ts"),
    )
    op.create_index("ix_escalation_reply_escalation_id", "escalation_reply", ["escalation_id"])

    op.create_table(
        "local_issue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("project", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("issue_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(32), nullable=True),
        sa.Column("assignee_account_id", sa.String(128), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("parent_key", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_local_issue_key", "local_issue", ["key"], unique=True)
    op.create_index("ix_local_issue_project", "local_issue", ["project"])
    op.create_table(
        "local_comment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issue_id", sa.Integer(), sa.ForeignKey("local_issue.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_local_comment_issue_id", "local_comment", ["issue_id"])
    op.create_table(
        "local_issue_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_type", sa.String(64), nullable=False),
        sa.Column("inward_key", sa.String(64), nullable=False),
        sa.Column("outward_key", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "local_issue_link",
        "local_comment",
        "local_issue",
        "escalation_reply",
        "escalation_event",
        "escalation",
        "outbox_job",
    ):
        op.drop_table(table)
