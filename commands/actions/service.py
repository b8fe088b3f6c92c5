"""Action items: add, list and close them, within the channel's vendor scope."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import Session

from commands.actions.due import parse_due
from commands.errors import NotFound, UsageError
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, require
from commands.scope import ChannelScope
from commands.slash_text import parse_row_id
from commands.vendors.service import require_vendor
from storage.actions import ActionItem, add_action, get_action, open_actions

ACTION_USAGE = "\n".join(
    (
        "/action add @owner due:fri TEXT [vendor:NAME | esc:KEY | init:KEY]",
        "/action list [mine | overdue | vendor:NAME]",
        "/action done ID",
    )
)
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9]{0,9}-\d{1,7}$")


def add_action_item(
    *,
    session: Session,
    scope: ChannelScope,
    owner_id: str,
    text: str,
    due_text: str,
    today: date,
    created_by: str,
    channel_id: str | None,
    vendor_text: str | None = None,
    escalation_key: str | None = None,
    initiative_key: str | None = None,
) -> ActionItem:
    """Store a new action item; in a vendor channel it belongs to that vendor."""
    if not text.strip():
        raise UsageError("Say what needs doing.", usage=ACTION_USAGE)
    due = parse_due(due_text, today=today)
    vendor_slug: str | None = None
    if vendor_text:
        vendor = require_vendor(session, vendor_text)
        vendor_slug = scope.restrict([vendor.slug])[0]
    elif scope.vendor is not None:
        vendor_slug = scope.vendor.slug
    keys = {"esc": escalation_key, "init": initiative_key}
    for name, key in keys.items():
        if key is not None and not _ISSUE_KEY.match(key.upper()):
            raise UsageError(f"`{name}:` takes an issue key such as ESC-12.", usage=ACTION_USAGE)
    return add_action(
        session,
        ActionItem(
            owner_id=owner_id,
            text=text.strip()[:1000],
            due=due,
            vendor_slug=vendor_slug,
            escalation_key=escalation_key.upper() if escalation_key else None,
            initiative_key=initiative_key.upper() if initiative_key else None,
            created_by=created_by,
            channel_id=channel_id,
        ),
    )


def list_action_items(
    *,
    session: Session,
    scope: ChannelScope,
    user_id: str,
    today: date,
    mode: str | None = None,
    vendor_text: str | None = None,
) -> tuple[str, list[ActionItem]]:
    """Return a title and the open items asked for, limited to the channel's vendor."""
    vendors: list[str] | None = None
    if vendor_text:
        vendor = require_vendor(session, vendor_text)
        vendors = scope.restrict([vendor.slug])
    elif scope.vendor is not None:
        vendors = [scope.vendor.slug]
    if mode not in (None, "mine", "overdue", "all"):
        raise UsageError(f"`{escape_clip(mode, 40)}` is not a list I know.", usage=ACTION_USAGE)
    owner = user_id if mode == "mine" else None
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
    number = parse_row_id(action_id_text, "The item's number", usage=ACTION_USAGE)
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
