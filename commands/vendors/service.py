"""The vendor registry: one way to name, find, add, rename, alias, bind, own vendors (no Slack).

Every change takes the actor and is checked here against the permissions matrix
(`("vendors", "manage")`: admins only), whoever calls it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from commands.mrkdwn import escape, escape_clip
from commands.permissions import Actor, require
from commands.vendors.parsing import VENDOR_USAGE
from integrations.errors import NotAllowed, UsageError
from storage import vendors as store
from storage.surfaces import MEMBER_TEAM, MEMBER_USER, bind_member
from storage.vendors import Vendor

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ADD_HINT = '/opsbot vendor add SLUG ["Display name"] [tz:Area/City]'
# What a refusal says each change is (the matrix has one verb, "manage", for them all).
CHANGES = {
    "add": "add vendors",
    "rename": "rename vendors",
    "alias": "add vendor aliases",
    "bind": "bind channels to vendors",
    "unbind": "unbind vendor channels",
    "member": "map people to vendors",
    "owner": "set vendor owners",
}


class UnknownVendor(UsageError):
    """A vendor name that the registry does not know; carries what an admin could add."""

    def __init__(self, typed: str, closest: list[Vendor], *, slug_taken: bool = False) -> None:
        shown = escape_clip(typed, 40)
        message = f"I know no vendor called {shown}."
        if closest:
            names = ", ".join(f"`{escape(v.slug)}` ({escape(v.name)})" for v in closest)
            message += f" Closest: {names}."
        slug = suggest_slug(typed)
        # "Acme BPO" when `acme` exists is another name for it, not a new vendor.
        self.addable = bool(SLUG.match(slug)) and not slug_taken
        if slug_taken:
            alias = escape_clip(typed.replace('"', ""), 40)
            message += f" If it is `{escape(slug)}`, an admin can say so: "
            message += f'`/opsbot vendor alias {escape(slug)} "{alias}"`.'
        else:
            how = f"/opsbot vendor add {escape(slug)}" if self.addable else ADD_HINT
            message += f" An admin can add it: `{how}`."
        super().__init__(message)
        self.typed = typed
        self.closest = [v.slug for v in closest]


@dataclass(frozen=True)
class VendorListing:
    """A vendor with its aliases, as `/opsbot vendor list` shows it."""

    vendor: Vendor
    aliases: list[str]


def suggest_slug(text: str) -> str:
    """Return the slug a typed name would get: its first word, lower-cased, letters and digits."""
    words = text.strip().lower().split()
    return re.sub(r"[^a-z0-9_-]", "", words[0]) if words else ""


def closest_vendors(session: Session, text: str, *, limit: int = 3) -> list[Vendor]:
    """Return the known vendors whose slug, name or alias is closest to `text`."""
    names = store.known_vendor_names(session)
    close = difflib.get_close_matches(text.strip().lower(), list(names), n=limit * 3, cutoff=0.5)
    found: dict[int | None, Vendor] = {}
    for name in close:
        found.setdefault(names[name].id, names[name])
    return list(found.values())[:limit]


def require_vendor(session: Session, text: str) -> Vendor:
    """Return the vendor `text` names (slug, name or alias); else raise UnknownVendor."""
    vendor = store.vendor_by_slug_or_name(session, text)
    if vendor is None:
        taken = store.vendor_by_slug_or_name(session, suggest_slug(text)) is not None
        raise UnknownVendor(text, closest_vendors(session, text), slug_taken=taken)
    return vendor


def register_vendors(session: Session, slugs: Iterable[str]) -> list[Vendor]:
    """Add a vendor for each KPI `vendor` value the registry does not know; return the new ones."""
    return [
        store.upsert_vendor(session, slug=slug[:64], name=slug[:200])
        for slug in store.missing_slugs(session, slugs)
    ]


def require_change(actor: Actor, change: str) -> None:
    """Raise NotAllowed unless `actor` may make `change` (a key of CHANGES) to the registry."""
    require(actor, "vendors", "manage", doing=CHANGES[change])


def vendor_to_change(session: Session, *, actor: Actor, change: str, vendor_text: str) -> Vendor:
    """Return the vendor a change names, once the actor may make it (before any look-up)."""
    require_change(actor, change)
    return require_vendor(session, vendor_text)


def add_vendor(
    session: Session,
    *,
    actor: Actor,
    slug: str,
    name: str | None = None,
    timezone: str | None = None,
) -> Vendor:
    """Add a vendor; refuse a bad slug, a taken name or an unknown time zone."""
    require_change(actor, "add")
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise UsageError(
            f"`{escape_clip(slug, 40)}` can't be a vendor slug (letters, digits, - or _).",
            usage=ADD_HINT,
        )
    for taken in (slug, name or slug):
        holder = store.vendor_by_slug_or_name(session, taken)
        if holder is not None:
            raise UsageError(
                f"`{escape_clip(taken, 40)}` already names vendor `{escape(holder.slug)}`."
            )
    return store.upsert_vendor(
        session, slug=slug, name=(name or slug).strip()[:200], timezone=check_zone(timezone)
    )


def check_zone(timezone: str | None) -> str | None:
    """Return the IANA zone name unchanged, or raise UsageError for an unknown one."""
    if timezone is None:
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"`{escape_clip(timezone, 40)}` is not a time zone; use an IANA name "
            "such as `Asia/Manila` or `Europe/Dublin`."
        ) from None
    return timezone


def add_unless_known(session: Session, *, actor: Actor, slug: str, name: str) -> None:
    """Add the vendor a command named (the "Add vendor and carry on" button), unless known."""
    require_change(actor, "add")
    if store.vendor_by_slug_or_name(session, name) is None:
        add_vendor(session, actor=actor, slug=slug, name=name if name.lower() != slug else None)


def rename_vendor(session: Session, *, actor: Actor, vendor_text: str, name: str) -> Vendor:
    """Give the vendor a new display name; the old one stays as an alias."""
    vendor = vendor_to_change(session, actor=actor, change="rename", vendor_text=vendor_text)
    holder = store.vendor_by_slug_or_name(session, name)
    if holder is not None and holder.id != vendor.id:
        raise UsageError(f"`{escape_clip(name, 40)}` already names vendor `{holder.slug}`.")
    old = vendor.name
    vendor.name = name.strip()[:200]
    session.add(vendor)
    session.flush()
    if old.lower() not in (vendor.slug.lower(), vendor.name.lower()):
        add_alias(session, actor=actor, vendor_text=vendor.slug, alias=old)
    return vendor


def add_alias(session: Session, *, actor: Actor, vendor_text: str, alias: str) -> Vendor:
    """Let `alias` name the vendor from now on (refused when it names another one)."""
    vendor = vendor_to_change(session, actor=actor, change="alias", vendor_text=vendor_text)
    wanted = alias.strip()
    if not wanted:
        raise UsageError('Give the alias, e.g. `/opsbot vendor alias acme "Acme BPO"`.')
    holder = store.vendor_by_slug_or_name(session, wanted)
    if holder is not None:
        if holder.id == vendor.id:
            return vendor
        raise UsageError(f"`{escape_clip(wanted, 40)}` already names vendor `{holder.slug}`.")
    store.add_alias(session, vendor, wanted[:200])
    return vendor


def adopt_name(session: Session, vendor: Vendor, name: str, timezone: str | None) -> str:
    """Record a display name typed for `vendor` (found by its slug, "Acme BPO" → acme).

    A vendor known only by its slug (as KPI imports add them) takes the name and the zone;
    otherwise the name becomes an alias. Returns "named" or "alias".
    """
    if vendor.name != vendor.slug:
        store.add_alias(session, vendor, name.strip()[:200])
        return "alias"
    vendor.name = name.strip()[:200]
    vendor.timezone = check_zone(timezone) or vendor.timezone
    session.add(vendor)
    session.flush()
    return "named"


def bind_channel(
    session: Session, *, actor: Actor, vendor_text: str, channel_id: str
) -> tuple[Vendor, str | None]:
    """Bind the channel to the vendor; return it and its previous channel, if another."""
    vendor = vendor_to_change(session, actor=actor, change="bind", vendor_text=vendor_text)
    if not channel_id:
        raise UsageError("Which channel?", usage="\n".join(VENDOR_USAGE))
    holder = store.vendor_for_channel(session, channel_id)
    if holder is not None and holder.id != vendor.id:
        raise NotAllowed(
            f"<#{channel_id}> is bound to vendor {escape(holder.name)}; unbind it first with "
            f"`/opsbot vendor unbind {escape(holder.slug)}`."
        )
    previous = vendor.channel_id
    vendor.channel_id = channel_id
    session.add(vendor)
    session.flush()
    return vendor, None if previous == channel_id else previous


def unbind_channel(
    session: Session, *, actor: Actor, vendor_text: str
) -> tuple[Vendor, str | None]:
    """Free the vendor's channel; return the vendor and the channel it had."""
    vendor = vendor_to_change(session, actor=actor, change="unbind", vendor_text=vendor_text)
    channel = vendor.channel_id
    vendor.channel_id = None
    session.add(vendor)
    session.flush()
    return vendor, channel


def add_member(session: Session, *, actor: Actor, vendor_text: str, slack_id: str) -> Vendor:
    """Map a person (`U…`) or a partner's Slack team (`T…`) to the vendor; return the vendor."""
    vendor = vendor_to_change(session, actor=actor, change="member", vendor_text=vendor_text)
    kind = MEMBER_TEAM if slack_id.startswith("T") else MEMBER_USER
    bind_member(session, vendor=vendor, kind=kind, slack_id=slack_id)
    return vendor


def set_owner(
    session: Session, *, actor: Actor, vendor_text: str, owner_id: str | None
) -> tuple[Vendor, str | None]:
    """Make `owner_id` the vendor's owner (None clears it); return the vendor and the old one."""
    vendor = vendor_to_change(session, actor=actor, change="owner", vendor_text=vendor_text)
    return vendor, store.set_owner(session, vendor, owner_id)


def vendor_listing(session: Session, *, channel_id: str | None = None) -> list[VendorListing]:
    """Return every vendor with its aliases; a vendor-bound channel sees its own vendor only."""
    bound = store.vendor_for_channel(session, channel_id) if channel_id else None
    vendors = [bound] if bound is not None else store.list_vendors(session)
    return [VendorListing(v, store.aliases_of(session, v)) for v in vendors]
