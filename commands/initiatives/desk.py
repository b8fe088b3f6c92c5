"""What initiative and suggestion handlers and jobs share: tracker, outbox, configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.errors import NotFound
from integrations.outbox import GiveUp, OutboxWorker, RetryLater
from integrations.tracker.base import Tracker, TrackerOutage, TrackerRejected
from storage.engine import SessionFactory

NOT_CONFIGURED = "_Jira is not configured: this lives in opsbot's local tracker._"


@dataclass
class PlanningDesk:
    """The tracker and outbox initiatives and suggestions go through, and their settings."""

    tracker: Tracker
    outbox: OutboxWorker
    sessions: SessionFactory
    slack: Any  # the bot's AsyncWebClient, for posts made by outbox jobs
    project: str
    epic_type: str = "Epic"
    story_type: str = "Story"
    channel_id: str | None = None  # where new initiatives are announced; else in place
    near_days: int = 14
    stale_days: int = 14
    timezone: str = "UTC"

    @property
    def jira(self) -> bool:
        """Tell whether the tracker is Jira (else the local tracker)."""
        return self.tracker.name == "jira"

    def footer(self) -> str | None:
        """Return the note answers carry when Jira is not configured."""
        return None if self.jira else NOT_CONFIGURED


async def tracker_call(call: Any) -> Any:
    """Await a tracker call, turning its failures into outbox instructions."""
    try:
        return await call
    except TrackerOutage as exc:
        raise RetryLater(exc.user_message, retry_after=exc.retry_after) from exc
    except (TrackerRejected, NotFound) as exc:
        raise GiveUp(exc.user_message) from exc
