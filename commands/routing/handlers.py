"""`/routing` handlers: parse, analyse the stored cases in the channel's scope, answer; and
the suggestion buttons (open as initiative, dismiss)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

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


@dataclass(frozen=True)
class SuggestionClick:
    """A click on a routing suggestion's button: which one, by whom, when."""

    ident: str  # the suggestion the button names; reloaded in the asker's scope
    actor: Actor
    now: datetime
    desk: PlanningDesk


SuggestionDecision = Callable[[Session, SuggestionClick], dict[str, Any]]


def suggestion_button(decide: SuggestionDecision) -> Callable[..., Awaitable[None]]:
    """Return the Bolt listener that acks, runs `decide` in a unit of work, and answers."""

    # Not functools.wraps: Bolt reads the listener's own signature to inject its arguments.
    async def listener(
        ack: AsyncAck,
        body: dict[str, Any],
        sessions: SessionFactory,
        permissions: Permissions,
        planning_desk: PlanningDesk,
        respond: AsyncRespond,
        clock: Clock,
    ) -> None:
        await ack()
        action = body["actions"][0]
        channel = (body.get("channel") or {}).get("id")
        actor = await permissions.actor(
            sessions, user_id=str(body["user"]["id"]), channel_id=channel
        )
        click = SuggestionClick(
            ident=str(action.get("value") or ""), actor=actor, now=clock(), desk=planning_desk
        )
        message = await in_worker(sessions, lambda session: decide(session, click))
        await respond(**message, replace_original=False)

    listener.__name__ = listener.__qualname__ = decide.__name__
    listener.__doc__ = decide.__doc__
    return listener


@suggestion_button
def handle_open_suggestion(session: Session, click: SuggestionClick) -> dict[str, Any]:
    """File a routing suggestion as an initiative, with its evidence."""
    row, initiative = open_as_initiative(
        session=session,
        desk=click.desk,
        ident=click.ident,
        scope=click.actor.scope,
        user_id=click.actor.user_id,
        channel_id=click.actor.channel_id,
        now=click.now,
    )
    return render_opened(row, initiative)


@suggestion_button
def handle_dismiss_suggestion(session: Session, click: SuggestionClick) -> dict[str, Any]:
    """Dismiss a routing suggestion so later answers leave it out."""
    row = dismiss(
        session=session,
        ident=click.ident,
        scope=click.actor.scope,
        user_id=click.actor.user_id,
        now=click.now,
    )
    return render_dismissed(row)
