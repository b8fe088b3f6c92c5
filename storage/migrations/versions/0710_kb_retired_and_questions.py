"""Knowledge base: retired articles (file deleted, kept for history) and trainers' questions.

Revision ID: 0710_kb_retired_and_questions
Revises: 0700_kb
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0710_kb_retired_and_questions"
down_revision: str | Sequence[str] | None = "0700_kb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: on SQLite a rebuild would drop the FTS triggers.
    op.add_column("kb_article", sa.Column("retired_at", UTCDateTime(), nullable=True))
    op.create_table(
        "training_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rollout_id", sa.Integer(), sa.ForeignKey("training_rollout.id"), nullable=False),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("kb_article.id"), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=False),
        sa.Column("asked_by", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False),
        sa.UniqueConstraint("request_key", name="uq_training_question_request_key"),
    )
    for column in ("rollout_id", "article_id", "vendor_slug"):
        op.create_index(f"ix_training_question_{column}", "training_question", [column])


def downgrade() -> None:
    op.drop_table("training_question")
    op.drop_column("kb_article", "retired_at")
