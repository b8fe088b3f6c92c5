"""What a person's App Home shows, within the vendor they belong to (no Slack, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.digest import DigestSource
from commands.initiatives.risk import assess
from commands.permissions import Actor
from commands.scope import ChannelScope
from commands.windows import digest_window
from storage.actions import open_actions
from storage.escalations import list_escalations
from storage.initiatives import Initiative, list_initiatives
from storage.surfaces import vendor_for_member

SHOWN = 10  # items per list; the rest are counted
ACTIONS_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class HomeEscalation:
    """One open escalation the viewer filed or is assigned."""

    id: int
    key: str
    title: str
    severity: int
    status: str
    is_new: bool
    url: str | None
    created_at: datetime


@dataclass(frozen=True)
class HomeAction:
    """One of the viewer's open action items due within the week, or overdue."""

    id: int
    text: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class HomeInitiative:
    """One open initiative the viewer owns, with its progress and risk."""

    key: str
    title: str
    url: str | None
    done: int
    total: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class HomeData:
    """Everything the home tab renders; counts say how many lists were cut short."""

    user_id: str
    vendor_name: str | None
    can_file: bool
    today: date
    escalations: tuple[HomeEscalation, ...]
    escalations_total: int
    actions: tuple[HomeAction, ...]
    actions_total: int
    initiatives: tuple[HomeInitiative, ...]
    kpi_title: str | None
    kpi_lines: tuple[str, ...]


def home_actor(session: Session, *, user_id: str, team_id: str | None, is_admin: bool) -> Actor:
    """Return the viewer as an actor: scoped to their vendor when they belong to one.

    A home has no channel, so the scope comes from the person: a user mapped to a vendor, or
    a member of a Slack Connect partner's team. Their "channel" is the vendor's own channel,
    so what they file from the home lands in that vendor's scope.
    """
    vendor = vendor_for_member(session, user_id=user_id, team_id=team_id)
    return Actor(
        user_id=user_id,
        is_admin=is_admin,
        scope=ChannelScope(vendor=vendor),
        channel_id=vendor.channel_id if vendor is not None else None,
    )


def build_home(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    timezone: str,
    kpi_source: DigestSource | None,
    near_days: int,
    stale_days: int,
) -> HomeData:
    """Collect the viewer's escalations, action items, initiatives and the KPI headline."""
    vendor = actor.scope.vendor
    vendors = [vendor.slug] if vendor is not None else None
    today = now.astimezone(ZoneInfo(timezone)).date()
    escalations = _escalations(session, actor.user_id, vendors)
    actions = open_actions(
        session, owner_id=actor.user_id, vendor_slugs=vendors, due_until=today + ACTIONS_AHEAD
    )
    initiatives = [
        _initiative(i, now=now, today=today, near_days=near_days, stale_days=stale_days)
        for i in list_initiatives(session, owner_id=actor.user_id)
        if vendor is None or vendor.slug.lower() in (v.lower() for v in i.vendors)
    ]
    section = None
    if kpi_source is not None:
        window = digest_window(
            vendor_slug=vendors[0] if vendors else None, now=now, timezone=timezone
        )
        section = kpi_source.section(session=session, window=window)
    return HomeData(
        user_id=actor.user_id,
        vendor_name=vendor.name if vendor is not None else None,
        can_file=vendor is None or vendor.channel_id is not None,
        today=today,
        escalations=tuple(escalations[:SHOWN]),
        escalations_total=len(escalations),
        actions=tuple(
            HomeAction(id=a.id or 0, text=a.text, due=a.due, overdue=a.due < today)
            for a in actions[:SHOWN]
        ),
        actions_total=len(actions),
        initiatives=tuple(initiatives[:SHOWN]),
        kpi_title=section.title if section is not None else None,
        kpi_lines=section.lines if section is not None else (),
    )


def _escalations(session: Session, user_id: str, vendors: list[str] | None) -> list[HomeEscalation]:
    # SEV first, then the oldest: list_escalations orders them so.
    rows = list_escalations(session, vendors=vendors, involving_user=user_id, limit=100)
    return [
        HomeEscalation(
            id=e.id or 0,
            key=e.display_key,
            title=e.title,
            severity=e.severity,
            status=e.status,
            is_new=e.status_category == "new",
            url=e.url,
            created_at=e.created_at,
        )
        for e in rows
    ]


def _initiative(
    initiative: Initiative, *, now: datetime, today: date, near_days: int, stale_days: int
) -> HomeInitiative:
    risk = assess(initiative, now=now, today=today, near_days=near_days, stale_days=stale_days)
    return HomeInitiative(
        key=initiative.display_key,
        title=initiative.title,
        url=initiative.url,
        done=initiative.children_done,
        total=initiative.children_total,
        reasons=risk.reasons,
    )
