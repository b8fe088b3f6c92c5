"""Check-in configuration: add, edit, pause, resume, remove, list, topics (no Slack here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.checkins.parsing import CHECKIN_USAGE
from commands.checkins.recurrence import Recurrence, parse_schedule, recurrence_from_spec
from commands.mrkdwn import escape_clip
from commands.scope import ChannelScope
from commands.vendors.service import adopt_name, require_vendor, suggest_slug
from integrations.errors import NotAllowed, NotFound, UsageError
from storage import checkins as store
from storage.vendors import (
    Vendor,
    upsert_vendor,
    vendor_by_slug_or_name,
    vendor_for_channel,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ScheduleSummary:
    """A schedule with what `/checkin list` shows about it."""

    schedule: store.CheckinSchedule
    vendor: Vendor
    recurrence: Recurrence
    next_fire: datetime | None
    last_run: store.DigestRun | None
    missed: int
    failed: int


@dataclass(frozen=True)
class AddedCheckin:
    """A new schedule, its vendor, and what changed about the vendor (said in the answer)."""

    schedule: store.CheckinSchedule
    vendor: Vendor
    vendor_note: str | None  # "new", "named" (took the name) or "alias"; None = as it was
    bound: bool  # the channel was bound to the vendor by this add


def add_checkin(
    *,
    session: Session,
    vendor_text: str,
    channel_id: str,
    every: str | None,
    cron: str | None,
    timezone: str | None,
    default_timezone: str,
    slug: str | None,
    bind: bool,
    created_by: str,
    now: datetime,
) -> AddedCheckin:
    """Create a schedule (and the vendor, if new); bind the channel unless told not to."""
    vendor = vendor_by_slug_or_name(session, vendor_text)
    # A display name such as "Acme BPO" for the vendor `acme` a KPI import found.
    kin = None if vendor else vendor_by_slug_or_name(session, slug or suggest_slug(vendor_text))
    known = vendor or kin
    zone = timezone or (known.timezone if known else None) or default_timezone
    recurrence = parse_schedule(every=every, cron=cron, timezone=zone)
    note: str | None = None
    if vendor is None and kin is not None:
        vendor, note = kin, adopt_name(session, kin, vendor_text, timezone)
    elif vendor is None:
        vendor, note = _new_vendor(session, name=vendor_text, slug=slug, timezone=zone), "new"
    bound = bind and vendor.channel_id != channel_id
    if bind:
        _bind(session, vendor, channel_id)
    schedule = store.CheckinSchedule(
        vendor_id=vendor.id or 0,
        channel_id=channel_id,
        spec=recurrence.spec,
        timezone=recurrence.timezone,
        effective_from=now,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    session.flush()
    return AddedCheckin(schedule, vendor, note, bound)


def _new_vendor(session: Session, *, name: str, slug: str | None, timezone: str) -> Vendor:
    wanted = slug.lower() if slug else suggest_slug(name)
    if not _SLUG.match(wanted):
        raise UsageError(
            f"`{escape_clip(wanted, 40)}` can't be a vendor slug; "
            "give one with `slug:` (letters, digits, -).",
            usage=CHECKIN_USAGE,
        )
    if vendor_by_slug_or_name(session, wanted) is not None:
        raise UsageError(
            f"The slug `{escape_clip(wanted, 40)}` belongs to another vendor; "
            "give a different `slug:`.",
            usage=CHECKIN_USAGE,
        )
    return upsert_vendor(session, slug=wanted, name=name.strip()[:200], timezone=timezone)


def _bind(session: Session, vendor: Vendor, channel_id: str) -> None:
    holder = vendor_for_channel(session, channel_id)
    if holder is not None and holder.id != vendor.id:
        raise NotAllowed(
            f"That channel is bound to vendor {escape_clip(holder.name, 80)}; "
            "use another channel or `bind:no`."
        )
    vendor.channel_id = channel_id
    session.add(vendor)
    session.flush()


def edit_checkin(
    *,
    session: Session,
    schedule_id: int,
    every: str | None,
    cron: str | None,
    timezone: str | None,
    channel_id: str | None,
    now: datetime,
) -> store.CheckinSchedule:
    """Change a schedule's timing, zone or channel; runs restart from now."""
    schedule = require_schedule(session, schedule_id)
    zone = timezone or schedule.timezone
    if every is None and cron is None:
        kind, _, text = schedule.spec.partition(":")
        every, cron = (text, None) if kind == "every" else (None, text)
    recurrence = parse_schedule(every=every, cron=cron, timezone=zone)
    if channel_id is not None and channel_id != schedule.channel_id:
        vendor = session.get(Vendor, schedule.vendor_id)
        if vendor is not None and vendor.channel_id == schedule.channel_id:
            _bind(session, vendor, channel_id)
        schedule.channel_id = channel_id
    schedule.spec, schedule.timezone = recurrence.spec, recurrence.timezone
    schedule.effective_from = schedule.updated_at = now
    session.add(schedule)
    session.flush()
    return schedule


def set_paused(
    *, session: Session, schedule_id: int, paused: bool, now: datetime
) -> store.CheckinSchedule:
    """Pause or resume; a resumed schedule does not back-fill the paused weeks."""
    schedule = require_schedule(session, schedule_id)
    schedule.paused = paused
    schedule.updated_at = now
    if not paused:
        schedule.effective_from = now
    session.add(schedule)
    session.flush()
    return schedule


def remove_checkin(*, session: Session, schedule_id: int) -> store.CheckinSchedule:
    """Delete the schedule and its run history (the vendor and binding stay)."""
    schedule = require_schedule(session, schedule_id)
    store.delete_schedule(session, schedule)
    return schedule


def require_schedule(session: Session, schedule_id: int) -> store.CheckinSchedule:
    """Return the schedule or raise NotFound."""
    schedule = store.get_schedule(session, schedule_id)
    if schedule is None:
        raise NotFound(f"No check-in #{schedule_id}; see `/checkin list`.")
    return schedule


def scoped_vendor(session: Session, scope: ChannelScope, vendor_text: str | None) -> Vendor:
    """Resolve a vendor named in a command, refusing other vendors in a bound channel."""
    if not vendor_text:
        if scope.vendor is not None:
            return scope.vendor
        raise UsageError("Name the vendor.", usage=CHECKIN_USAGE)
    vendor = require_vendor(session, vendor_text)
    scope.restrict([vendor.slug])
    return vendor


def vendor_schedule(session: Session, vendor: Vendor) -> store.CheckinSchedule:
    """Return the vendor's first active schedule (or first at all)."""
    schedules = store.list_schedules(session, vendor_id=vendor.id)
    active = [s for s in schedules if not s.paused] or schedules
    if not active:
        raise NotFound(
            f"{escape_clip(vendor.name, 80)} has no check-in yet; add one with `/checkin add`."
        )
    return active[0]


def add_topic(
    *,
    session: Session,
    scope: ChannelScope,
    vendor_text: str,
    text: str,
    user_id: str,
    now: datetime,
) -> Vendor:
    """Put a topic on the vendor's next check-in."""
    vendor = scoped_vendor(session, scope, vendor_text)
    if not text.strip():
        raise UsageError("Say what the topic is.", usage=CHECKIN_USAGE)
    store.add_topic(
        session, vendor_id=vendor.id or 0, text=text.strip()[:500], added_by=user_id, at=now
    )
    return vendor


def list_checkins(*, session: Session, scope: ChannelScope, now: datetime) -> list[ScheduleSummary]:
    """Return every schedule visible in this channel with its next run and run health."""
    summaries: list[ScheduleSummary] = []
    for schedule in store.list_schedules(session):
        vendor = session.get(Vendor, schedule.vendor_id)
        if vendor is None or not scope.allows(vendor.slug):
            continue
        recurrence = recurrence_from_spec(schedule.spec, schedule.timezone)
        runs = store.recent_runs(session, schedule.id or 0, limit=1)
        summaries.append(
            ScheduleSummary(
                schedule=schedule,
                vendor=vendor,
                recurrence=recurrence,
                next_fire=None if schedule.paused else recurrence.next_after(now),
                last_run=runs[0] if runs else None,
                missed=store.count_runs(session, schedule.id or 0, store.RUN_MISSED),
                failed=store.count_runs(session, schedule.id or 0, store.RUN_FAILED),
            )
        )
    return summaries
