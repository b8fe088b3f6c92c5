"""Claims by insert: a row under a unique constraint is taken by whoever inserts it first.

Replicas race for the same key (a fire time, a reminder, a vote); the unique constraint picks
the winner and the losers see `IntegrityError`, which these helpers turn into None.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

Row = TypeVar("Row", bound=SQLModel)


def claim_in_savepoint(session: Session, row: Row) -> Row | None:
    """Insert `row` in a savepoint of the caller's transaction; None when its key is taken.

    A lost claim rolls back the savepoint only, so the caller's other work stands.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def claim_and_commit(session: Session, row: Row) -> Row | None:
    """Insert `row` and commit, so other replicas see the claim at once; None when taken."""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row
