"""Knowledge-base articles, every version of their text, and the rollouts of a version.

Full-text search uses each database's own engine, kept in step by the database itself: an
FTS5 external-content table with triggers on SQLite, a generated `tsvector` column with a
GIN index on PostgreSQL (both created by the 0700_kb migration).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Text, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow


class KbArticle(SQLModel, table=True):
    """The current version of one article; `path` (relative, POSIX) is its id."""

    __tablename__ = "kb_article"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=500, unique=True, index=True)
    title: str = Field(max_length=300)
    area: str = Field(max_length=64, index=True)
    owner: str = Field(max_length=254)  # a Slack user id or an e-mail address
    reviewed: date = Field(sa_type=Date)
    vendors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 1
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when a re-import of its folder no longer has the file: hidden, kept for history.
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class KbArticleVersion(SQLModel, table=True):
    """One version of an article as imported, so any two can be compared."""

    __tablename__ = "kb_article_version"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_kb_article_version"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", index=True)
    version: int
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def article_by_path(session: Session, path: str) -> KbArticle | None:
    """Return the article whose id is `path`."""
    return session.exec(select(KbArticle).where(col(KbArticle.path) == path)).first()


def articles_by_path(session: Session, paths: list[str]) -> dict[str, KbArticle]:
    """Return the stored articles among `paths`, by path."""
    found: dict[str, KbArticle] = {}
    for start in range(0, len(paths), 500):  # under every driver's bound-parameter limit
        chunk = paths[start : start + 500]
        rows = session.exec(select(KbArticle).where(col(KbArticle.path).in_(chunk)))
        found.update((a.path, a) for a in rows)
    return found


def article_version(session: Session, article_id: int, version: int) -> KbArticleVersion | None:
    """Return one stored version of an article."""
    statement = select(KbArticleVersion).where(
        col(KbArticleVersion.article_id) == article_id, col(KbArticleVersion.version) == version
    )
    return session.exec(statement).first()


def articles_reviewed_before(session: Session, cutoff: date) -> list[KbArticle]:
    """Return articles last reviewed before `cutoff`, oldest review first."""
    statement = (
        select(KbArticle)
        .where(col(KbArticle.reviewed) < cutoff, col(KbArticle.retired_at).is_(None))
        .order_by(col(KbArticle.reviewed), col(KbArticle.path))
    )
    return list(session.exec(statement))


def articles_by_ids(session: Session, ids: list[int]) -> dict[int, KbArticle]:
    """Return articles by primary key."""
    if not ids:
        return {}
    return {a.id or 0: a for a in session.exec(select(KbArticle).where(col(KbArticle.id).in_(ids)))}


def retire_missing(
    session: Session, *, folders: list[str], present: set[str], now: datetime
) -> list[str]:
    """Retire the live articles under `folders` (id prefixes) that are not in `present`.

    A retired article stays with all its versions and rollouts, for history; search and the
    review list leave it out. `""` as a folder means the whole import root.
    """
    live = session.exec(select(KbArticle).where(col(KbArticle.retired_at).is_(None)))
    retired: list[str] = []
    for article in live:
        inside = any(f == "" or article.path.startswith(f"{f}/") for f in folders)
        if inside and article.path not in present:
            article.retired_at = now
            session.add(article)
            retired.append(article.path)
    session.flush()
    return sorted(retired)
