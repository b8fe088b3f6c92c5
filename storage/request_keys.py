"""Dedupe keys for Slack requests and Jira deliveries that may arrive more than once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Insert, delete, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from storage.types import UTCDateTime, utcnow


class RequestKey(SQLModel, table=True):
    """A request already seen; its key is unique, so only the first insert wins."""

    __tablename__ = "request_key"

    key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def _insert_ignoring_conflict(engine: Engine, key: str) -> Insert | None:
    values = {"key": key, "seen_at": utcnow()}
    table = RequestKey.__table__  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        return postgresql_insert(table).values(**values).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite_insert(table).values(**values).on_conflict_do_nothing()
    return None


def claim_request_key(engine: Engine, key: str) -> bool:
    """Insert `key` in a transaction of its own; return False when it was already there.

    One statement on the hot path of every Slack request: no ORM unit of work, and a
    conflict is not an exception on the backends that can say so.
    """
    statement = _insert_ignoring_conflict(engine, key)
    if statement is None:
        try:
            with engine.begin() as connection:
                connection.execute(insert(RequestKey.__table__).values(key=key, seen_at=utcnow()))  # type: ignore[attr-defined]
        except IntegrityError:
            return False
        return True
    # RETURNING says whether a row went in; rowcount is not reliable across drivers here.
    returning = statement.returning(RequestKey.__table__.c.key)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        return connection.execute(returning).first() is not None


def release_request_key(engine: Engine, key: str) -> None:
    """Forget `key` so that a retry of a failed request may run again."""
    with engine.begin() as connection:
        connection.execute(delete(RequestKey.__table__).where(RequestKey.__table__.c.key == key))  # type: ignore[attr-defined]


def purge_request_keys(session: Session, *, older_than: timedelta) -> int:
    """Delete keys older than `older_than`; return how many went."""
    cutoff = utcnow() - older_than
    result = session.exec(delete(RequestKey).where(col(RequestKey.seen_at) < cutoff))
    session.commit()
    return int(result.rowcount or 0)
