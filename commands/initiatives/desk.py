"""What initiative and suggestion handlers and jobs share: tracker, outbox, configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from integrations.outbox import OutboxWorker
from integrations.tracker.base import Tracker
from integrations.tracker.filing import TrackerDesk
from storage.engine import SessionFactory

NOT_CONFIGURED = "_Jira is not configured: this lives in opsbot's local tracker._"


@dataclass
class PlanningDesk(TrackerDesk):
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
    not_configured: ClassVar[str] = NOT_CONFIGURED
