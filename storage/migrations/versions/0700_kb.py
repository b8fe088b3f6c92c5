"""Knowledge base (articles, versions, each backend's own full-text index), rollouts, scores.

Revision ID: 0700_kb
Revises: 0002_vendors
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0700_kb"
down_revision: str | Sequence[str] | None = "0002_vendors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an FTS5 table over kb_article's own columns, kept current by triggers.
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE kb_article_fts USING fts5("
    "title, body, tags, content='kb_article', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER kb_article_fts_insert AFTER INSERT ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(rowid, title, body, tags) "
    "VALUES (new.id, new.title, new.body, new.tags); END",
    "CREATE TRIGGER kb_article_fts_delete AFTER DELETE ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.tags); END",
    "CREATE TRIGGER kb_article_fts_update AFTER UPDATE ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.tags); "
    "INSERT INTO kb_article_fts(rowid, title, body, tags) "
    "VALUES (new.id, new.title, new.body, new.tags); END",
)
# PostgreSQL: a stored tsvector the database computes itself (title A, tags B, body C).
_POSTGRES_FTS = (
    "ALTER TABLE kb_article ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, tags), 'B') || "
    "setweight(to_tsvector('english'::regconfig, body), 'C')) STORED",
    "CREATE INDEX ix_kb_article_search ON kb_article USING GIN (search)",
    # Uncompressed: ranking reads each match's vector, and decompressing it cost more.
    "ALTER TABLE kb_article ALTER COLUMN search SET STORAGE EXTERNAL",
)


def upgrade() -> None:
    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(254), nullable=False),
        sa.Column("reviewed", sa.Date(), nullable=False),
        sa.Column("vendors", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_kb_article_path", "kb_article", ["path"], unique=True)
    op.create_index("ix_kb_article_area", "kb_article", ["area"])
    op.create_table(
        "kb_article_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("kb_article.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_version"),
    )
    op.create_index("ix_kb_article_version_article_id", "kb_article_version", ["article_id"])
    statements = _SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_FTS
    for statement in statements:
        op.execute(statement)

    op.create_table(
        "training_rollout",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("kb_article.id"), nullable=False),
        sa.Column("article_version", sa.Integer(), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("scheduled_for", sa.Date(), nullable=True),
        sa.Column("state_by", sa.String(32), nullable=True),
        sa.Column("state_at", UTCDateTime(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "article_id", "article_version", "vendor_slug", name="uq_training_rollout_vendor"
        ),
    )
    op.create_index("ix_training_rollout_article_id", "training_rollout", ["article_id"])
    op.create_index("ix_training_rollout_vendor_slug", "training_rollout", ["vendor_slug"])
    op.create_index("ix_training_rollout_state", "training_rollout", ["state"])
    op.create_table(
        "training_nudge",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rollout_id", sa.Integer(), sa.ForeignKey("training_rollout.id"), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("rollout_id", "on_day", name="uq_training_nudge_day"),
    )
    op.create_table(
        "agent_assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("vendor_slug", sa.String(64), nullable=False),
        sa.Column("assessment", sa.String(100), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "day", "vendor_slug", "assessment", "agent", name="uq_agent_assessment"
        ),
    )
    op.create_index("ix_agent_assessment_day", "agent_assessment", ["day"])
    op.create_index("ix_agent_assessment_vendor_slug", "agent_assessment", ["vendor_slug"])


def downgrade() -> None:
    op.drop_table("agent_assessment")
    op.drop_table("training_nudge")
    op.drop_table("training_rollout")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS kb_article_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS kb_article_fts")
    op.drop_table("kb_article_version")
    op.drop_table("kb_article")
