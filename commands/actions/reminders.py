"""Owner reminders: a DM on the due morning and an overdue nudge at most once a day."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.actions.views import reminder_text
from integrations.errors import OpsbotError
from storage.actions import claim_reminder, open_actions, release_reminder
from storage.engine import SessionFactory, in_worker

REMIND_AT = time(9, 0)

UserZone = Callable[[str], Awaitable[str | None]]
SendDirect = Callable[[str, str], Awaitable[None]]


@dataclass(frozen=True)
class ReminderTally:
    """What one sweep did."""

    sent: int = 0
    failed: int = 0


async def send_action_reminders(
    *,
    sessions: SessionFactory,
    now: datetime,
    team_timezone: str,
    user_zone: UserZone,
    send_dm: SendDirect,
) -> ReminderTally:
    """DM owners whose items are due today or overdue, once per item, kind and local day.

    Each read and claim is a unit of work on the worker pool, closed before the DM is sent.
    """
    # Anyone's local day is at most 14 hours ahead of UTC.
    due_until = (now + timedelta(hours=14)).date()
    items = await in_worker(sessions, lambda session: open_actions(session, due_until=due_until))
    sent = failed = 0
    zones: dict[str, ZoneInfo] = {}
    for item in items:
        if item.owner_id not in zones:
            zones[item.owner_id] = _zone(await user_zone(item.owner_id), team_timezone)
        local = now.astimezone(zones[item.owner_id])
        today = local.date()
        if local.time() < REMIND_AT or item.due > today or item.id is None:
            continue
        kind = "due" if item.due == today else "overdue"
        claim = partial(claim_reminder, action_id=item.id, kind=kind, on_day=today)
        if not await in_worker(sessions, claim):
            continue
        try:
            await send_dm(item.owner_id, reminder_text(item, kind=kind, today=today))
            sent += 1
        except OpsbotError:
            # Not sent: give the claim back so the next sweep (or a replica) tries again.
            release = partial(release_reminder, action_id=item.id, kind=kind, on_day=today)
            await in_worker(sessions, release)
            failed += 1
    return ReminderTally(sent=sent, failed=failed)


def _zone(name: str | None, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)
