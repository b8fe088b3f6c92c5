"""Slack handlers for /kpi, its break-down buttons and "Why?": ack, parse, service, view."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.kpi.chart import render_trend_png
from commands.kpi.filters import Filters, resolve_filters
from commands.kpi.grammar import USAGE, KpiRequest, parse_kpi_text
from commands.kpi.registry import KpiRegistry
from commands.kpi.snapshot import Snapshot, build_breakdown, fit_request
from commands.kpi.snapshot_cache import SnapshotCache
from commands.kpi.views import (
    BREAKDOWN_ACTION_PREFIX,
    render_breakdown,
    render_help,
    render_snapshot,
)
from commands.kpi.why import WhyFinding
from commands.kpi.why_runner import BUSY_MESSAGE, WhyRunner, explain_in
from commands.kpi.why_views import render_finding
from commands.scope import scope_for_channel
from integrations.errors import UsageError

BREAKDOWN_ACTION = re.compile(rf"^{BREAKDOWN_ACTION_PREFIX}(\w+)$")


def today_in(settings: Any, clock: Callable[[], datetime]) -> date:
    """Return today's date in OPSBOT_TIMEZONE by the runtime's clock."""
    return clock().astimezone(ZoneInfo(settings.opsbot_timezone)).date()


def _request_and_filters(
    session: Session,
    text: str,
    *,
    channel_id: str | None,
    settings: Any,
    registry: KpiRegistry,
    clock: Callable[[], datetime],
) -> tuple[KpiRequest, Filters]:
    request = parse_kpi_text(text, today=today_in(settings, clock), kpi_keys=registry.keys)
    request = fit_request(session, request)  # periods never run past the data
    scope = scope_for_channel(session, channel_id)
    filters = resolve_filters(session=session, filters=request.filters, scope=scope)
    return request, filters


def _reporter(respond: Any) -> Any:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report


async def handle_kpi(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    clock: Callable[[], datetime],
    kpi_registry: KpiRegistry,
    background: Any,
    respond: Any,
    runtime: Any,
    kpi_why: WhyRunner,
    kpi_snapshots: SnapshotCache,
) -> None:
    """Answer `/kpi …` with a snapshot; `why` and `chart` continue in the background."""
    text = command.get("text", "")
    channel_id = command.get("channel_id")
    request, filters = _request_and_filters(
        db, text, channel_id=channel_id, settings=settings, registry=kpi_registry, clock=clock
    )
    if request.action == "help":
        await ack(**render_help(kpi_registry))
        return
    if request.action == "why":
        kpi = kpi_registry.get(request.kpi) if request.kpi else None
        if kpi is None:
            snapshot = kpi_snapshots.snapshot(session=db, request=request, filters=filters)
            moved = snapshot.most_changed()
            kpi = moved.kpi if moved else kpi_registry.kpis[0]
        if not kpi_why.reserve():
            await ack(response_type="ephemeral", text=BUSY_MESSAGE)
            return
        await ack(response_type="ephemeral", text=f"Looking into what moved {kpi.label}…")
        _spawn_why(
            background,
            respond,
            kpi_why,
            explain_in(request, filters, kpi, weeks=settings.opsbot_spike_weeks),
        )
        return
    snapshot = kpi_snapshots.snapshot(session=db, request=request, filters=filters)
    await ack(**render_snapshot(snapshot))
    if request.chart and channel_id:
        _spawn_chart(background, respond, runtime.slack, snapshot, channel_id)


def _spawn_chart(
    background: Any, respond: Any, slack: Any, snapshot: Snapshot, channel_id: str
) -> None:
    async def upload(_: Session) -> None:
        png = await asyncio.to_thread(render_trend_png, snapshot)
        period = snapshot.request.period.span()
        await slack.files_upload_v2(
            channel=channel_id,
            content=png,
            filename=f"kpi-{period}.png",
            title=f"KPI trend {period}",
        )

    background.spawn("kpi_chart", upload, report=_reporter(respond))


def _spawn_why(
    background: Any, respond: Any, runner: WhyRunner, work: Callable[[Session], WhyFinding]
) -> None:
    # The job's own session stays unused: the runner's thread opens and closes one, so no
    # connection is held while respond() waits on the event loop.
    async def explain(_: Session) -> None:
        finding = await runner.run(work)
        await respond(**render_finding(finding))

    background.spawn("kpi_why", explain, report=_reporter(respond))


def _action(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return action, channel


async def handle_breakdown(
    ack: Any,
    body: dict[str, Any],
    settings: Any,
    clock: Callable[[], datetime],
    kpi_registry: KpiRegistry,
    background: Any,
    respond: Any,
) -> None:
    """Answer a "By vendor/queue/…" button with a ranked table, posted after the ack."""
    await ack()
    action, channel_id = _action(body)
    match = BREAKDOWN_ACTION.match(action.get("action_id", ""))
    if match is None:
        raise UsageError("That break-down is not one I know.")
    dimension = match[1]
    text = str(action.get("value") or "")

    async def answer(session: Session) -> None:
        request, filters = _request_and_filters(
            session,
            text,
            channel_id=channel_id,
            settings=settings,
            registry=kpi_registry,
            clock=clock,
        )
        rows = build_breakdown(
            session=session, request=request, filters=filters, dimension=dimension
        )
        shown = KpiRequest(
            "snapshot", request.period, request.compare, dict(filters), notes=request.notes
        )
        await respond(
            **render_breakdown(rows, dimension=dimension, request=shown, registry=kpi_registry)
        )

    background.spawn("kpi_breakdown", answer, report=_reporter(respond))


async def handle_why_button(
    ack: Any,
    body: dict[str, Any],
    settings: Any,
    clock: Callable[[], datetime],
    kpi_registry: KpiRegistry,
    background: Any,
    respond: Any,
    kpi_why: WhyRunner,
) -> None:
    """Answer the "Why?" button: localise the most-changed KPI of the snapshot."""
    await ack()
    action, channel_id = _action(body)
    try:
        value = json.loads(action.get("value") or "{}")
        kpi = kpi_registry.get(str(value["kpi"]))
        text = str(value["q"])
    except (ValueError, KeyError, TypeError):
        raise UsageError("That button is out of date; run /kpi again.", usage=USAGE) from None
    if kpi is None:
        raise UsageError("That KPI is no longer defined; run /kpi again.")
    if not kpi_why.reserve():
        raise UsageError(BUSY_MESSAGE)

    def work(session: Session) -> WhyFinding:
        request, filters = _request_and_filters(
            session,
            text,
            channel_id=channel_id,
            settings=settings,
            registry=kpi_registry,
            clock=clock,
        )
        return explain_in(request, filters, kpi, weeks=settings.opsbot_spike_weeks)(session)

    _spawn_why(background, respond, kpi_why, work)
