"""`/routing` handler: parse, analyse the stored cases in the channel's scope, answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.routing.analysis import RoutingParams
from commands.routing.parsing import parse_routing_text
from commands.routing.service import analyse_stored_off_loop
from commands.routing.views import render_routing
from commands.scope import scope_for_channel

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
    today = clock().astimezone(ZoneInfo(timezone)).date()
    request = parse_routing_text(command.get("text", ""), today=today, timezone=timezone)
    scope = scope_for_channel(db, command.get("channel_id"))
    # One GROUP BY over every case of the period: run it in a worker thread, on a session of
    # its own, so a large case table never blocks the event loop.
    analysis = await analyse_stored_off_loop(
        sessions=runtime.sessions,
        window=request.window,
        filters=request.filters,
        scope=scope,
        params=RoutingParams(),
    )
    vendor = scope.vendor.name if scope.vendor is not None else None
    await ack(**render_routing(analysis, request=request, vendor=vendor))
