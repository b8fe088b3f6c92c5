"""`/routing` handlers: parse, analyse the stored cases in the channel's scope, answer; and
the suggestion buttons (open as initiative, dismiss)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from commands.initiatives.desk import PlanningDesk
from commands.permissions import Actor, Permissions
from commands.routing.analysis import RoutingParams
from commands.routing.decisions import dismiss, open_as_initiative
from commands.routing.parsing import parse_routing_text
from commands.routing.service import routing_answer
from commands.routing.views import render_dismissed, render_opened, render_routing
from commands.routing.why import explain_misroutes
from commands.routing.why_views import render_why
from commands.subcommands import Clock, slash_request
from commands.team_config import TeamConfig
from commands.work_queue import WorkQueue
from storage.engine import SessionFactory, in_worker


async def handle_routing(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    team_config: TeamConfig,
    clock: Clock,
    work_queue: WorkQueue,
    respond: AsyncRespond,
) -> None:
    """Answer `/routing [period] [reason:…|vendor:…]`; `why` continues through the work queue."""
    timezone = team_config.timezone
    asked = await slash_request(
        command, sessions=sessions, permissions=permissions, clock=clock, timezone=timezone
    )
    request = parse_routing_text(asked.text, today=asked.today, timezone=timezone)
    scope = asked.actor.scope
    vendor = scope.vendor.name if scope.vendor is not None else None
    if request.why:
        explain = partial(
            explain_misroutes, window=request.window, filters=request.filters, scope=scope
        )

        async def answer() -> None:
            change = await in_worker(sessions, lambda session: explain(session=session))
            await respond(
                **render_why(change, request=request, vendor=vendor), replace_original=False
            )

        async def report(message: str) -> None:
            await respond(text=message, response_type="ephemeral", replace_original=False)

        # Off the ack path: a full queue raises Busy, answered at once by the error path.
        work_queue.submit(
            user_id=asked.actor.user_id, name="routing_why", work=answer, report=report
        )
        await ack(response_type="ephemeral", text="Looking into what moved the misroute rate…")
        return
    work = partial(
        routing_answer,
        window=request.window,
        filters=request.filters,
        scope=scope,
        params=RoutingParams(),
        now=asked.now,
    )
    analysis, shown = await in_worker(sessions, lambda session: work(session=session))
    await ack(**render_routing(analysis, shown, request=request, vendor=vendor))


async def _clicked(
    body: dict[str, Any], sessions: SessionFactory, permissions: Permissions
) -> tuple[str, Actor]:
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id")
    actor = await permissions.actor(sessions, user_id=str(body["user"]["id"]), channel_id=channel)
    return str(action.get("value") or ""), actor


async def handle_open_suggestion(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    planning_desk: PlanningDesk,
    respond: AsyncRespond,
    clock: Clock,
) -> None:
    """File a routing suggestion as an initiative, with its evidence."""
    await ack()
    ident, actor = await _clicked(body, sessions, permissions)
    now = clock()
    row, initiative = await in_worker(
        sessions,
        lambda session: open_as_initiative(
            session=session,
            desk=planning_desk,
            ident=ident,
            scope=actor.scope,
            user_id=actor.user_id,
            channel_id=actor.channel_id,
            now=now,
        ),
    )
    await respond(**render_opened(row, initiative), replace_original=False)


async def handle_dismiss_suggestion(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    respond: AsyncRespond,
    clock: Clock,
) -> None:
    """Dismiss a routing suggestion so later answers leave it out."""
    await ack()
    ident, actor = await _clicked(body, sessions, permissions)
    now = clock()
    row = await in_worker(
        sessions,
        lambda session: dismiss(
            session=session, ident=ident, scope=actor.scope, user_id=actor.user_id, now=now
        ),
    )
    await respond(**render_dismissed(row), replace_original=False)
