"""`/routing` handlers: parse, analyse the stored cases in the channel's scope, answer; and
the suggestion buttons (open as initiative, dismiss)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.routing.analysis import RoutingParams
from commands.routing.decisions import dismiss, open_as_initiative
from commands.routing.parsing import parse_routing_text
from commands.routing.service import routing_answer
from commands.routing.views import render_dismissed, render_opened, render_routing
from commands.routing.why import explain_misroutes
from commands.routing.why_views import render_why
from commands.scope import scope_for_channel
from storage.engine import in_worker

Clock = Callable[[], datetime]


async def handle_routing(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    clock: Clock,
    runtime: Any,
) -> None:
    """Answer `/routing [period] [reason:…|vendor:…]`."""
    timezone = settings.opsbot_timezone
    now = clock()
    today = now.astimezone(ZoneInfo(timezone)).date()
    request = parse_routing_text(command.get("text", ""), today=today, timezone=timezone)
    scope = scope_for_channel(db, command.get("channel_id"))
    vendor = scope.vendor.name if scope.vendor is not None else None
    if request.why:
        explain = partial(
            explain_misroutes, window=request.window, filters=request.filters, scope=scope
        )
        change = await in_worker(runtime.sessions, lambda session: explain(session=session))
        await ack(**render_why(change, request=request, vendor=vendor))
        return
    work = partial(
        routing_answer,
        window=request.window,
        filters=request.filters,
        scope=scope,
        params=RoutingParams(),
        now=now,
    )
    analysis, shown = await in_worker(runtime.sessions, lambda session: work(session=session))
    await ack(**render_routing(analysis, shown, request=request, vendor=vendor))


def _clicked(body: dict[str, Any]) -> tuple[str, str, str | None]:
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id")
    return str(action.get("value") or ""), str(body["user"]["id"]), channel


async def handle_open_suggestion(
    ack: Any,
    body: dict[str, Any],
    db: Session,
    planning_desk: PlanningDesk,
    respond: AsyncRespond,
    clock: Clock,
) -> None:
    """File a routing suggestion as an initiative, with its evidence."""
    await ack()
    ident, user_id, channel_id = _clicked(body)
    row, initiative = open_as_initiative(
        session=db,
        desk=planning_desk,
        ident=ident,
        scope=scope_for_channel(db, channel_id),
        user_id=user_id,
        channel_id=channel_id,
        now=clock(),
    )
    await respond(**render_opened(row, initiative), replace_original=False)


async def handle_dismiss_suggestion(
    ack: Any, body: dict[str, Any], db: Session, respond: AsyncRespond, clock: Clock
) -> None:
    """Dismiss a routing suggestion so later answers leave it out."""
    await ack()
    ident, user_id, channel_id = _clicked(body)
    row = dismiss(
        session=db,
        ident=ident,
        scope=scope_for_channel(db, channel_id),
        user_id=user_id,
        now=clock(),
    )
    await respond(**render_dismissed(row), replace_original=False)
