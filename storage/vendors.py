"""Vendor partners: the slug KPI data uses, a display name, a home channel, an owner."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow


class Vendor(SQLModel, table=True):
    """A vendor partner. `slug` is the value of the `vendor` dimension in KPI data."""

    __tablename__ = "vendor"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    # A channel bound to this vendor (e.g. shared with it) only ever shows this vendor's data.
    channel_id: str | None = Field(default=None, max_length=32, unique=True)
    # The Slack user who answers for the vendor; what its rules open goes to them.
    owner_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VendorAlias(SQLModel, table=True):
    """Another name people type for a vendor ("Acme BPO", "acme-ph"); stored lower-cased."""

    __tablename__ = "vendor_alias"

    id: int | None = Field(default=None, primary_key=True)
    alias: str = Field(max_length=200, unique=True, index=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def list_vendors(session: Session) -> list[Vendor]:
    """Return every vendor ordered by slug."""
    return list(session.exec(select(Vendor).order_by(col(Vendor.slug))))


def vendor_by_slug_or_name(session: Session, text: str) -> Vendor | None:
    """Find a vendor by slug, display name or alias, case-insensitively."""
    wanted = text.strip().lower()
    statement = select(Vendor).where(
        (func.lower(col(Vendor.slug)) == wanted) | (func.lower(col(Vendor.name)) == wanted)
    )
    vendor = session.exec(statement).first()
    if vendor is not None:
        return vendor
    alias = session.exec(select(VendorAlias).where(col(VendorAlias.alias) == wanted)).first()
    return session.get(Vendor, alias.vendor_id) if alias is not None else None


def known_vendor_names(session: Session) -> dict[str, Vendor]:
    """Return every lower-cased slug, name and alias with the vendor it names."""
    names: dict[str, Vendor] = {}
    vendors = {v.id: v for v in list_vendors(session)}
    for vendor in vendors.values():
        names.setdefault(vendor.slug.lower(), vendor)
        names.setdefault(vendor.name.lower(), vendor)
    for alias in session.exec(select(VendorAlias)):
        if alias.vendor_id in vendors:
            names.setdefault(alias.alias, vendors[alias.vendor_id])
    return names


def aliases_of(session: Session, vendor: Vendor) -> list[str]:
    """Return the vendor's aliases, sorted."""
    rows = session.exec(select(VendorAlias).where(col(VendorAlias.vendor_id) == vendor.id))
    return sorted(a.alias for a in rows)


def add_alias(session: Session, vendor: Vendor, alias: str) -> VendorAlias:
    """Store `alias` (lower-cased) for `vendor`; flushes."""
    row = VendorAlias(alias=alias.strip().lower(), vendor_id=vendor.id or 0)
    session.add(row)
    session.flush()
    return row


def set_owner(session: Session, vendor: Vendor, owner_id: str | None) -> str | None:
    """Make `owner_id` (a Slack user id, or None) the vendor's owner; return the previous one."""
    previous = vendor.owner_id
    vendor.owner_id = owner_id
    session.add(vendor)
    session.flush()
    return previous


def vendor_for_channel(session: Session, channel_id: str) -> Vendor | None:
    """Return the vendor a channel is bound to, if any."""
    return session.exec(select(Vendor).where(col(Vendor.channel_id) == channel_id)).first()


def missing_slugs(session: Session, slugs: Iterable[str]) -> list[str]:
    """Return the slugs (as given, sorted) that name no vendor by slug, name or alias."""
    known = known_vendor_names(session)
    return sorted({s for s in slugs if s and s.strip().lower() not in known})


def upsert_vendor(
    session: Session,
    *,
    slug: str,
    name: str | None = None,
    timezone: str | None = None,
    channel_id: str | None = None,
) -> Vendor:
    """Create the vendor or update the given fields; flushes so the id is known."""
    vendor = session.exec(select(Vendor).where(col(Vendor.slug) == slug)).first()
    if vendor is None:
        vendor = Vendor(
            slug=slug, name=name or slug, timezone=timezone or "UTC", channel_id=channel_id
        )
    else:
        if name is not None:
            vendor.name = name
        if timezone is not None:
            vendor.timezone = timezone
        if channel_id is not None:
            vendor.channel_id = channel_id
    session.add(vendor)
    session.flush()
    return vendor
