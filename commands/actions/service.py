"""Action items: add, list and close them, within the channel's vendor scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from commands.actions.parsing import ADD_USAGE, DONE_USAGE, LIST_USAGE
from commands.due_dates import parse_due
from commands.escalations.service import require_escalation
from commands.initiatives.service import require_initiative
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, require
from commands.slash_text import parse_row_id
from commands.vendors.service import require_vendor
from integrations.errors import NotFound, UsageError
from storage.actions import ActionItem, add_action, get_action, open_actions

_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9]{0,9}-\d{1,7}$")


@dataclass(frozen=True)
class NewActionItem:
    """What `/action add` asks for, parsed but not yet checked against stored data."""

    owner_id: str
    text: str
    due_text: str
    today: date
    vendor_text: str | None = None
    escalation_key: str | None = None
    initiative_key: str | None = None


def add_action_item(*, session: Session, actor: Actor, request: NewActionItem) -> ActionItem:
    """Store a new action item; in a vendor channel it belongs to that vendor.

    The escalation or initiative it names must exist and be visible from this channel.
    """
    require(actor, "actions", "add")
    if not request.text.strip():
        raise UsageError("Say what needs doing.", usage=ADD_USAGE)
    due = parse_due(request.due_text, today=request.today)
    scope = actor.scope
    vendor_slug: str | None = None
    if request.vendor_text:
        vendor = require_vendor(session, request.vendor_text)
        vendor_slug = scope.restrict([vendor.slug])[0]
    elif scope.vendor is not None:
        vendor_slug = scope.vendor.slug
    escalation_key = _reference(session, actor, "esc", request.escalation_key)
    initiative_key = _reference(session, actor, "init", request.initiative_key)
    return add_action(
        session,
        ActionItem(
            owner_id=request.owner_id,
            text=request.text.strip()[:1000],
            due=due,
            vendor_slug=vendor_slug,
            escalation_key=escalation_key,
            initiative_key=initiative_key,
            created_by=actor.user_id,
            channel_id=actor.channel_id,
        ),
    )


def _reference(session: Session, actor: Actor, name: str, key: str | None) -> str | None:
    """Return the key of the escalation or initiative named, once it is known and in scope."""
    if key is None:
        return None
    if not _ISSUE_KEY.match(key.upper()):
        raise UsageError(f"`{name}:` takes an issue key such as ESC-12.", usage=ADD_USAGE)
    if name == "esc":
        require_escalation(session, actor=actor, verb="view", key=key)
    else:
        require_initiative(session, key, actor=actor, verb="view")
    return key.upper()


def list_action_items(
    *,
    session: Session,
    actor: Actor,
    today: date,
    mode: str | None = None,
    vendor_text: str | None = None,
) -> tuple[str, list[ActionItem]]:
    """Return a title and the open items asked for, limited to the channel's vendor."""
    require(actor, "actions", "list")
    scope = actor.scope
    vendors: list[str] | None = None
    if vendor_text:
        vendor = require_vendor(session, vendor_text)
        vendors = scope.restrict([vendor.slug])
    elif scope.vendor is not None:
        vendors = [scope.vendor.slug]
    if mode not in (None, "mine", "overdue", "all"):
        raise UsageError(f"`{escape_clip(mode, 40)}` is not a list I know.", usage=LIST_USAGE)
    owner = actor.user_id if mode == "mine" else None
    due_before = today if mode == "overdue" else None
    items = open_actions(session, owner_id=owner, vendor_slugs=vendors, due_before=due_before)
    title = {"mine": "Your open action items", "overdue": "Overdue action items"}.get(
        mode or "", "Open action items"
    )
    if vendors:
        title += f" ({', '.join(vendors)})"
    return title, items


def action_subject(item: ActionItem) -> Subject:
    """Return what the permissions policy needs of a stored action item."""
    return Subject(
        vendors=(item.vendor_slug,) if item.vendor_slug else (),
        reporter=item.created_by,
        owner=item.owner_id,
    )


def complete_action_item(
    *, session: Session, actor: Actor, action_id_text: str, now: datetime
) -> ActionItem:
    """Close an open item: its owner or an admin, and only within the channel's scope."""
    number = parse_row_id(action_id_text, "The item's number", usage=DONE_USAGE)
    item = get_action(session, number)
    if item is None:
        raise NotFound(f"No action item #{number}.")
    require(actor, "actions", "done", action_subject(item), what=f"action item #{number}")
    user_id = actor.user_id
    if item.done_at is not None:
        raise UsageError(f"Action item #{number} is already done.")
    item.done_at = now
    item.done_by = user_id
    session.add(item)
    session.flush()
    return item
