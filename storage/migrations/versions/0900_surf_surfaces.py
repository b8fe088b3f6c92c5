"""Slack-native surfaces: vendor members, App Home state, nudges, SEV1 channels, questions.

Revision ID: 0900_surf_surfaces
Revises: 0300_checkins
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0900_surf_surfaces"
down_revision: str | Sequence[str] | None = "0300_checkins"  # checkin_question_set
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("slack_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "slack_id", name="uq_vendor_member"),
    )
    op.create_index("ix_vendor_member_vendor_id", "vendor_member", ["vendor_id"])
    op.create_table(
        "home_state",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_home_state_opened_at", "home_state", ["opened_at"])
    op.create_table(
        "nudge_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("rule", "item_key", "slot", name="uq_nudge_slot"),
    )

    op.create_table(
        "incident_channel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("mirrored_event_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_incident_channel_escalation_id", "incident_channel", ["escalation_id"], unique=True
    )

    _checkin_questions()


def _checkin_questions() -> None:
    op.create_table(
        "checkin_question_set",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "schedule_id", sa.Integer(), sa.ForeignKey("checkin_schedule.id"), nullable=False
        ),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(32), nullable=True),
        sa.Column("updated_by", sa.String(32), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_checkin_question_set_schedule_id", "checkin_question_set", ["schedule_id"], unique=True
    )
    op.create_table(
        "checkin_prompt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("fire_time", UTCDateTime(), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("nudged_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("schedule_id", "fire_time", "user_id", name="uq_checkin_prompt"),
    )
    op.create_index("ix_checkin_prompt_schedule_id", "checkin_prompt", ["schedule_id"])
    op.create_index("ix_checkin_prompt_vendor_slug", "checkin_prompt", ["vendor_slug"])
    op.create_table(
        "checkin_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prompt_id", sa.Integer(), sa.ForeignKey("checkin_prompt.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("answer", sa.String(3000), nullable=False),
        sa.UniqueConstraint("prompt_id", "position", name="uq_checkin_answer"),
    )
    op.create_index("ix_checkin_answer_prompt_id", "checkin_answer", ["prompt_id"])


def downgrade() -> None:
    op.drop_table("checkin_answer")
    op.drop_table("checkin_prompt")
    op.drop_table("checkin_question_set")
    op.drop_table("incident_channel")
    op.drop_table("nudge_sent")
    op.drop_table("home_state")
    op.drop_table("vendor_member")
