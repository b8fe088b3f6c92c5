"""Check-in schedules, digest runs, topics, action items and reminders, scheduler jobs.

Revision ID: 0300_checkins
Revises: 0002_vendors
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0300_checkins"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_schedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id"), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("spec", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_checkin_schedule_vendor_id", "checkin_schedule", ["vendor_id"])
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "schedule_id", sa.Integer(), sa.ForeignKey("checkin_schedule.id"), nullable=False
        ),
        sa.Column("fire_time", UTCDateTime(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("posted_ts", sa.String(32), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("schedule_id", "fire_time", name="uq_digest_run_fire"),
    )
    op.create_index("ix_digest_run_schedule_id", "digest_run", ["schedule_id"])
    op.create_index("ix_digest_run_status", "digest_run", ["status"])
    op.create_table(
        "checkin_topic",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id"), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("digest_run.id"), nullable=True),
    )
    op.create_index("ix_checkin_topic_vendor_id", "checkin_topic", ["vendor_id"])
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=True),
        sa.Column("escalation_key", sa.String(32), nullable=True),
        sa.Column("initiative_key", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(32), nullable=True),
    )
    op.create_index("ix_action_item_owner_id", "action_item", ["owner_id"])
    op.create_index("ix_action_item_due", "action_item", ["due"])
    op.create_index("ix_action_item_vendor_slug", "action_item", ["vendor_slug"])
    op.create_table(
        "action_reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("action_item.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("action_id", "kind", "on_day", name="uq_action_reminder_day"),
    )
    op.create_index("ix_action_reminder_action_id", "action_reminder", ["action_id"])
    # APScheduler's SQLAlchemy job store (its own layout), created here so that several
    # scheduler processes starting at once never race to create it.
    op.create_table(
        "scheduler_job",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduler_job")
    op.drop_table("action_reminder")
    op.drop_table("action_item")
    op.drop_table("checkin_topic")
    op.drop_table("digest_run")
    op.drop_table("checkin_schedule")
