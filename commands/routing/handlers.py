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
from commands.routing.parsing import RoutingRequest, parse_routing_text
from commands.routing.service import routing_answer
from commands.routing.views import render_dismissed, render_opened, render_routing
from commands.routing.why import explain_misroutes
from commands.routing.why_views import render_why
from commands.scope import ChannelScope, scope_for_channel
from commands.work_queue import WorkQueue
from storage.engine import in_worker

Clock = Callable[[], datetime]


async def handle_routing(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    clock: Clock,
    runtime: Any,
    work_queue: WorkQueue,
    respond: AsyncRespond,
) -> None:
    """Answer `/routing [period] [reason:…|vendor:…]`; `why` continues through the work queue."""
    timezone = settings.opsbot_timezone
    now = clock()
    today = now.astimezone(ZoneInfo(timezone)).date()
    request = parse_routing_text(command.get("text", ""), today=today, timezone=timezone)
    scope = scope_for_channel(db, command.get("channel_id"))
    vendor = scope.vendor.name if scope.vendor is not None else None
    if request.why:
        await _queue_why(ack, respond, work_queue, runtime, command, request, scope, vendor)
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


async def _queue_why(
    ack: Any,
    respond: AsyncRespond,
    queue: WorkQueue,
    runtime: Any,
    command: dict[str, Any],
    request: RoutingRequest,
    scope: ChannelScope,
    vendor: str | None,
) -> None:
    """Localise off the ack path: a full queue answers "busy" at once (Busy → the error path)."""
    explain = partial(
        explain_misroutes, window=request.window, filters=request.filters, scope=scope
    )

    async def answer() -> None:
        change = await in_worker(runtime.sessions, lambda session: explain(session=session))
        await respond(**render_why(change, request=request, vendor=vendor), replace_original=False)

    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    queue.submit(user_id=command["user_id"], name="routing_why", work=answer, report=report)
    await ack(response_type="ephemeral", text="Looking into what moved the misroute rate…")


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
