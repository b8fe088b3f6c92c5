"""Dedupe keys for Slack requests and Jira deliveries that may arrive more than once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, delete, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from storage.text import clean_text
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


# The claim on the driver's own connection, per dialect: SQLAlchemy's statement building and
# execution cost four times the insert itself, on every Slack request.
_RAW_CLAIM = {
    "sqlite": "INSERT INTO request_key (key, seen_at) VALUES (?, ?)"
    " ON CONFLICT (key) DO NOTHING RETURNING key",
    "postgresql": "INSERT INTO request_key (key, seen_at) VALUES (%s, %s)"
    " ON CONFLICT (key) DO NOTHING RETURNING key",
}


def claim_request_key(engine: Engine, key: str) -> bool:
    """Insert `key` in a transaction of its own; return False when it was already there.

    One statement on the hot path of every Slack request: no ORM unit of work, and a
    conflict is not an exception on the backends that can say so.
    """
    raw = _RAW_CLAIM.get(engine.dialect.name)
    if raw is not None:
        return _claim_on_driver(engine, raw, key)
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


def _claim_on_driver(engine: Engine, sql: str, key: str) -> bool:
    # The column's own bind processing (UTC, and naive on SQLite) and the engine's text guard
    # (no control characters), which a driver connection would otherwise skip.
    seen_at = _seen_at_processor(engine)(utcnow())
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (clean_text(key), seen_at))
            first = cursor.fetchone() is not None
        finally:
            cursor.close()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()  # back to the pool
    return first


def _seen_at_processor(engine: Engine) -> Callable[[datetime], Any]:
    dialect = engine.dialect
    processor = _PROCESSORS.get(dialect.name)
    if processor is None:
        column_type = RequestKey.__table__.c.seen_at.type  # type: ignore[attr-defined]
        found = column_type.dialect_impl(dialect).bind_processor(dialect)
        processor = found if found is not None else (lambda value: value)
        _PROCESSORS[dialect.name] = processor
    return processor


_PROCESSORS: dict[str, Callable[[datetime], Any]] = {}


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
