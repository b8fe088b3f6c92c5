"""Slash commands `/escalate` and `/escalation`: ack fast, parse, call the service, render."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from commands.escalations.model import EscalationInput
from commands.escalations.parsing import (
    ESCALATION_USAGE,
    KEY,
    parse_escalate_line,
    parse_list_filter,
    parse_user_ref,
)
from commands.escalations.service import (
    EscalationDesk,
    domain_key,
    file_escalation,
    is_done_status,
    queue_change,
    refuse_done_status,
    require_escalation,
)
from commands.escalations.statuses import available_transitions, checked_status
from commands.escalations.views import (
    confirmation_text,
    escalation_detail,
    escalation_list,
    filing_modal,
)
from commands.mrkdwn import escape
from commands.permissions import Permissions, require
from commands.scope import ChannelScope
from commands.slash_text import tokenize
from commands.vendors.service import require_vendor
from integrations.errors import UsageError
from storage.escalations import Escalation, list_escalations
from storage.vendors import list_vendors

_ACTION = re.compile(
    r"^\s*(?P<key>\S+)\s+(?P<verb>comment|status|assign|resolve)\b\s*(?P<rest>.*)$", re.S | re.I
)


def vendor_choices(db: Session, scope: ChannelScope) -> list[tuple[str, str]]:
    """Return the (slug, name) vendors this channel may file about."""
    return [(v.slug, v.name) for v in list_vendors(db) if scope.allows(v.slug)]


def resolve_vendor(db: Session, scope: ChannelScope, data: EscalationInput) -> None:
    """Check the vendor exists and fits the channel; a vendor channel's vendor is the default."""
    if data.vendor is None:
        data.vendor = scope.vendor.slug if scope.vendor else None
        return
    vendor = require_vendor(db, data.vendor)
    data.vendor = scope.restrict([vendor.slug])[0]


def with_footer(text: str, desk: EscalationDesk) -> str:
    """Append the "Jira is not configured" note when it applies."""
    footer = desk.footer()
    return f"{text}\n{footer}" if footer else text


async def handle_escalate(
    ack: Any,
    command: dict[str, Any],
    client: Any,
    db: Session,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """`/escalate`: the modal without text, or the one-line form."""
    text = str(command.get("text") or "").strip()
    channel_id = command.get("channel_id")
    user_id = str(command["user_id"])
    actor = await permissions.actor(db, user_id=user_id, channel_id=channel_id)
    require(actor, "escalations", "file")
    scope = actor.scope
    if not text:
        await ack()
        view = filing_modal(
            areas=escalations.areas,
            vendors=vendor_choices(db, scope),
            metadata=permissions.seal({"channel": channel_id}, user_id=user_id),
            prefill={"vendor": scope.vendor.slug} if scope.vendor else None,
        )
        await client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    data = parse_escalate_line(text, escalations.areas)
    resolve_vendor(db, scope, data)
    escalation, created = file_escalation(
        session=db,
        desk=escalations,
        data=data,
        reporter_id=user_id,
        reporter_name=str(command.get("user_name") or user_id),
        origin_channel_id=channel_id,
        dedupe_key=domain_key(reporter_id=user_id, data=data),
    )
    await ack(
        response_type="ephemeral",
        text=with_footer(confirmation_text(escalation, created=created), escalations),
    )


async def handle_escalation(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """`/escalation KEY [comment|status|assign|resolve …]` and `/escalation list …`."""
    text = str(command.get("text") or "").strip()
    words = tokenize(text)
    user_id = str(command["user_id"])
    actor = await permissions.actor(db, user_id=user_id, channel_id=command.get("channel_id"))
    if not words:
        raise UsageError("Which escalation?", usage=ESCALATION_USAGE)
    if words[0].lower() == "list":
        await ack(**_list(db, escalations, actor.scope, words[1:], user_id))
        return
    if not KEY.match(words[0]):
        raise UsageError("Start with an issue key (like ESC-12) or `list`.", usage=ESCALATION_USAGE)
    if len(words) == 1:
        escalation = require_escalation(db, actor=actor, verb="view", key=words[0])
        await ack(**escalation_detail(escalation, escalations.areas, footer=escalations.footer()))
        return
    match = _ACTION.match(text)
    if match is None:
        require_escalation(db, actor=actor, verb="view", key=words[0])
        raise UsageError("I did not understand that.", usage=ESCALATION_USAGE)
    verb, rest = match["verb"].lower(), match["rest"].strip()
    # A move to a done status is a resolve: the same people, and a root cause.
    policy_verb = "resolve" if verb == "status" and _is_done(rest) else verb
    escalation = require_escalation(db, actor=actor, verb=policy_verb, key=words[0])
    author = str(command.get("user_name") or user_id)
    base = {"author": author, "user": user_id, "channel": command.get("channel_id")}
    request_key = command.get("trigger_id")
    if verb == "comment":
        if not rest:
            raise UsageError("The comment is empty.", usage=ESCALATION_USAGE)
        payload, said = {**base, "text": rest}, "Adding your comment to"
    elif verb == "status":
        status = " ".join(tokenize(rest))
        if not status:
            raise UsageError("Which status?", usage=ESCALATION_USAGE)
        refuse_done_status(status)
        available = await available_transitions(escalations, escalation)
        status = checked_status(escalation, available, status)  # a typo queues nothing
        payload, said = {**base, "status": status}, f"Moving to “{escape(status)}”:"
    elif verb == "assign":
        slack_id, _name = parse_user_ref(rest)
        if slack_id is None:
            raise UsageError(
                "Pick the user from Slack's @-menu so I get their id.", usage=ESCALATION_USAGE
            )
        payload, said = {**base, "assignee": slack_id}, f"Assigning <@{slack_id}> to"
    else:
        if not rest:
            raise UsageError("Give the root cause.", usage=ESCALATION_USAGE)
        payload, said = {**base, "root_cause": rest}, "Resolving"
    kind = "transition" if verb == "status" else verb
    queue_change(
        session=db,
        desk=escalations,
        escalation=escalation,
        kind=kind,
        payload=payload,
        request_key=request_key,
    )
    await ack(
        response_type="ephemeral",
        text=with_footer(
            f"{said} {escalation.display_key}; updates follow in its thread.", escalations
        ),
    )


def _is_done(rest: str) -> bool:
    return is_done_status(" ".join(tokenize(rest)))


def _list(
    db: Session, desk: EscalationDesk, scope: ChannelScope, words: list[str], user_id: str
) -> dict[str, Any]:
    flt = parse_list_filter(words, desk.areas)
    vendors = scope.restrict([require_vendor(db, flt.vendor).slug] if flt.vendor else [])
    found: list[Escalation] = list_escalations(
        db,
        open_only=flt.open_only,
        severity=flt.severity,
        area=flt.area,
        vendors=vendors or None,
        involving_user=user_id if flt.mine else None,
    )
    heading = "Open escalations" if flt.open_only else "Escalations"
    return escalation_list(found, desk.areas, heading=heading, footer=desk.footer())
