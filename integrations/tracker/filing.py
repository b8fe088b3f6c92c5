"""What every desk that files items in the tracker shares: which tracker, and its calls' failures.

Escalations and initiatives (with their stories) each have a desk; both go to the tracker
through outbox jobs, and both tell the user when Jira is not configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import ClassVar, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from integrations.errors import NotFound
from integrations.outbox import GiveUp, OutboxWorker, RetryLater
from integrations.tracker.base import Tracker, TrackerOutage, TrackerRejected
from storage.tracker_items import Item, item_by_dedupe_key

T = TypeVar("T")


class TrackerDesk:
    """A desk's tracker and outbox; subclasses (dataclasses) declare them as fields."""

    tracker: Tracker
    outbox: OutboxWorker
    # The note answers carry when the tracker is the local one.
    not_configured: ClassVar[str]

    @property
    def jira(self) -> bool:
        """Tell whether the tracker is Jira (else the local tracker)."""
        return self.tracker.name == "jira"

    def footer(self) -> str | None:
        """Return the note answers carry when Jira is not configured."""
        return None if self.jira else self.not_configured


async def tracker_call(call: Awaitable[T]) -> T:
    """Await a tracker call from an outbox job, turning its failures into outbox instructions.

    An outage is retried later; a refusal (or an issue that is gone) is given up.
    """
    try:
        return await call
    except TrackerOutage as exc:
        raise RetryLater(exc.user_message, retry_after=exc.retry_after) from exc
    except (TrackerRejected, NotFound) as exc:
        raise GiveUp(exc.user_message) from exc


def create_then_queue(
    session: Session,
    outbox: OutboxWorker,
    row: Item,
    *,
    family: str,
    key_prefix: str,
    jobs: Iterable[str] = ("post", "file"),
) -> tuple[Item, bool]:
    """Store a new tracker item and queue its jobs in the caller's unit of work; (row, new?).

    Each job is `<family>.<job>` with `{"<family>_id": id}`, keyed `<key_prefix>:<id>:<job>`.
    A concurrent twin that stored the same domain key first wins: this unit of work is
    rolled back and the twin's row comes back instead (nothing queued for it again).
    """
    dedupe_key = row.dedupe_key
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()
        winner = item_by_dedupe_key(session, type(row), dedupe_key)
        if winner is None:
            raise
        return winner, False
    ident = {f"{family}_id": row.id}
    for job in jobs:
        outbox.enqueue(
            session,
            kind=f"{family}.{job}",
            payload=ident,
            key=f"{key_prefix}:{row.id}:{job}",
            fresh=True,
        )
    return row, True
