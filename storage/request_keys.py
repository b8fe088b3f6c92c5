"""Dedupe keys for Slack requests that may arrive more than once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, delete

from storage.types import UTCDateTime, utcnow


class RequestKey(SQLModel, table=True):
    """A request already seen; its key is unique, so only the first insert wins."""

    __tablename__ = "request_key"

    key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def claim_request_key(session: Session, key: str) -> bool:
    """Insert `key` and commit; return False when another request already holds it."""
    session.add(RequestKey(key=key))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def release_request_key(session: Session, key: str) -> None:
    """Forget `key` so that a retry of a failed request may run again."""
    session.exec(delete(RequestKey).where(col(RequestKey.key) == key))
    session.commit()


def purge_request_keys(session: Session, *, older_than: timedelta) -> int:
    """Delete keys older than `older_than`; return how many went."""
    cutoff = utcnow() - older_than
    result = session.exec(delete(RequestKey).where(col(RequestKey.seen_at) < cutoff))
    session.commit()
    return int(result.rowcount or 0)
