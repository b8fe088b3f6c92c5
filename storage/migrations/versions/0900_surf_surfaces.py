"""Slack-native surfaces: vendor members, App Home state, nudges sent, SEV1 channels.

Revision ID: 0900_surf_surfaces
Revises: 0002_vendors
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0900_surf_surfaces"
down_revision: str | Sequence[str] | None = "0002_vendors"
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


def downgrade() -> None:
    op.drop_table("incident_channel")
    op.drop_table("nudge_sent")
    op.drop_table("home_state")
    op.drop_table("vendor_member")
