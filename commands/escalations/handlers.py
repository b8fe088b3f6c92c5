"""Slash commands `/escalate` and `/escalation`: parse, call the service, render.

Every database step runs on a worker thread (`in_worker`); no session is open while Slack
or the tracker is awaited.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from commands.escalations.changes import change_escalation
from commands.escalations.parsing import (
    ESCALATION_USAGE,
    KEY,
    parse_change,
    parse_escalate_line,
    parse_list_filter,
)
from commands.escalations.service import (
    EscalationDesk,
    escalation_detail_for,
    file_for,
    list_for,
    require_escalation,
    vendor_choices,
)
from commands.escalations.views import (
    change_text,
    confirmation_text,
    escalation_detail,
    escalation_list,
    filing_modal,
)
from commands.permissions import Permissions, require
from commands.slash_text import tokenize
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker


def with_footer(text: str, desk: EscalationDesk) -> str:
    """Append the "Jira is not configured" note when it applies."""
    footer = desk.footer()
    return f"{text}\n{footer}" if footer else text


async def handle_escalate(
    ack: AsyncAck,
    command: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """`/escalate`: the modal without text, or the one-line form."""
    text = str(command.get("text") or "").strip()
    channel_id = command.get("channel_id")
    user_id = str(command["user_id"])
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id)
    require(actor, "escalations", "file")
    if not text:
        await ack()
        vendors = await in_worker(sessions, lambda session: vendor_choices(session, actor.scope))
        view = filing_modal(
            areas=escalations.areas,
            vendors=vendors,
            metadata=permissions.seal({"channel": channel_id}, user_id=user_id),
            prefill={"vendor": actor.scope.vendor.slug} if actor.scope.vendor else None,
        )
        await client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    data = parse_escalate_line(text, escalations.areas)
    filing = await escalations.run(
        sessions,
        lambda session: file_for(
            session=session,
            desk=escalations,
            actor=actor,
            data=data,
            reporter_name=str(command.get("user_name") or user_id),
        ),
    )
    answer = confirmation_text(filing.escalation, created=filing.created, similar=filing.similar)
    await ack(response_type="ephemeral", text=with_footer(answer, escalations))


async def handle_escalation(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """`/escalation KEY [comment|status|assign|resolve …]` and `/escalation list …`."""
    text = str(command.get("text") or "").strip()
    words = tokenize(text)
    user_id = str(command["user_id"])
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=command.get("channel_id"))
    if not words:
        raise UsageError("Which escalation?", usage=ESCALATION_USAGE)
    if words[0].lower() == "list":
        flt = parse_list_filter(words[1:], escalations.areas)
        found = await in_worker(
            sessions,
            lambda session: list_for(session=session, desk=escalations, actor=actor, flt=flt),
        )
        heading = "Open escalations" if flt.open_only else "Escalations"
        await ack(
            **escalation_list(
                found, escalations.areas, heading=heading, footer=escalations.footer()
            )
        )
        return
    if not KEY.match(words[0]):
        raise UsageError("Start with an issue key (like ESC-12) or `list`.", usage=ESCALATION_USAGE)
    if len(words) == 1:
        detail = await in_worker(
            sessions,
            lambda session: escalation_detail_for(session=session, actor=actor, key=words[0]),
        )
        answer = escalation_detail(
            detail.escalation, escalations.areas, footer=escalations.footer(), events=detail.events
        )
        await ack(**answer)
        return
    try:
        request = parse_change(text)
    except UsageError:
        # An escalation this channel may not see reads as unknown, before any usage hint.
        await in_worker(
            sessions,
            lambda session: require_escalation(session, actor=actor, verb="view", key=words[0]),
        )
        raise
    change = await change_escalation(
        sessions=sessions,
        desk=escalations,
        actor=actor,
        request=request,
        author=str(command.get("user_name") or user_id),
        request_key=command.get("trigger_id"),
    )
    said = change_text(change.kind, change.payload, change.escalation)
    await ack(response_type="ephemeral", text=with_footer(said, escalations))
