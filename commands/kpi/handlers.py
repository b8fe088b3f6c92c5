"""Slack handlers for /kpi, its break-down buttons and "Why?": parse, compute off the loop, render.

Every database read runs on a worker thread (`in_worker`), and the expensive answers (why,
chart, break-down) go through the bounded work queue: a full queue answers "busy" at once,
and no session is open while a job waits for its turn or for Slack.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from commands.background import ErrorReporter
from commands.kpi.grammar import USAGE, KpiRequest, parse_kpi_text
from commands.kpi.registry import KpiDefinition, KpiRegistry
from commands.kpi.service import (
    WhyQuestion,
    breakdown_answer,
    snapshot_answer,
    why_answer,
    why_question,
)
from commands.kpi.snapshot import Snapshot
from commands.kpi.snapshot_cache import SnapshotCache
from commands.kpi.views import (
    BREAKDOWN_ACTION_PREFIX,
    render_breakdown,
    render_help,
    render_snapshot,
)
from commands.kpi.why_views import render_finding
from commands.permissions import Actor, Permissions
from commands.scope import ChannelScope, scope_for_channel
from commands.work_queue import Busy, WorkQueue
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker
from storage.kpi import DIMENSIONS

BREAKDOWN_ACTION = re.compile(rf"^{BREAKDOWN_ACTION_PREFIX}(\w+)$")
Clock = Callable[[], datetime]
T = TypeVar("T")


def today_in(settings: Any, clock: Clock) -> date:
    """Return today's date in OPSBOT_TIMEZONE by the runtime's clock."""
    return clock().astimezone(ZoneInfo(settings.opsbot_timezone)).date()


def _parse(text: str, settings: Any, clock: Clock, registry: KpiRegistry) -> KpiRequest:
    return parse_kpi_text(text, today=today_in(settings, clock), kpi_keys=registry.keys)


def _reporter(respond: AsyncRespond) -> ErrorReporter:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report


async def handle_kpi(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    settings: Any,
    clock: Clock,
    kpi_registry: KpiRegistry,
    kpi_snapshots: SnapshotCache,
    work_queue: WorkQueue,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Answer `/kpi …` with a snapshot; `why` and `chart` continue through the work queue."""
    channel_id = command.get("channel_id")
    request = _parse(command.get("text", ""), settings, clock, kpi_registry)
    if request.action == "help":
        await ack(**render_help(kpi_registry))
        return
    if request.action == "why":
        actor, question = await _scoped(
            sessions,
            permissions,
            command,
            lambda session, scope: why_question(
                session=session,
                request=request,
                scope=scope,
                registry=kpi_registry,
                cache=kpi_snapshots,
                kpi=kpi_registry.get(request.kpi) if request.kpi else None,
            ),
        )
        _queue_why(work_queue, actor, sessions, settings, respond, lambda _: question)
        await ack(response_type="ephemeral", text=f"Looking into what moved {question.kpi.label}…")
        return
    actor, snapshot = await _scoped(
        sessions,
        permissions,
        command,
        lambda session, scope: snapshot_answer(
            session=session, request=request, scope=scope, cache=kpi_snapshots
        ),
    )
    busy: Busy | None = None
    if request.chart and channel_id:
        try:
            _queue_chart(work_queue, actor, client, respond, snapshot, channel_id)
        except Busy as refused:
            busy = refused  # the numbers are ready; only the picture has to wait
    await ack(**_rendered(snapshot))
    if busy is not None:
        await respond(
            text=f"{busy.user_message} (for the chart)",
            response_type="ephemeral",
            replace_original=False,
        )


# The Block Kit of the latest answers, by snapshot object: a kept answer (SnapshotCache) is
# the same object at each repeat, so it is rendered once. Read and written on the loop only.
_RENDERED: OrderedDict[int, tuple[Snapshot, dict[str, Any]]] = OrderedDict()
_RENDERED_MAX = 64


def _rendered(snapshot: Snapshot) -> dict[str, Any]:
    """Return `render_snapshot(snapshot)`, built once per snapshot object."""
    kept = _RENDERED.get(id(snapshot))
    if kept is not None and kept[0] is snapshot:  # the entry holds it: its id is not reused
        _RENDERED.move_to_end(id(snapshot))
        return kept[1]
    answer = render_snapshot(snapshot)
    _RENDERED[id(snapshot)] = (snapshot, answer)
    while len(_RENDERED) > _RENDERED_MAX:
        _RENDERED.popitem(last=False)
    return answer


async def _scoped(
    sessions: SessionFactory,
    permissions: Permissions,
    command: dict[str, Any],
    work: Callable[[Session, ChannelScope], T],
) -> tuple[Actor, T]:
    """Read the channel's scope and do `work` in it in one unit of work (one worker round
    trip, where a separate actor look-up was another); return the actor and the result."""
    channel_id = command.get("channel_id")

    def scoped(session: Session) -> tuple[ChannelScope, T]:
        scope = scope_for_channel(session, channel_id)
        return scope, work(session, scope)

    scope, result = await in_worker(sessions, scoped)
    actor = await permissions.actor_in(scope, user_id=command["user_id"], channel_id=channel_id)
    return actor, result


def _queue_chart(
    queue: WorkQueue,
    actor: Actor,
    client: AsyncWebClient,
    respond: AsyncRespond,
    snapshot: Snapshot,
    channel_id: str,
) -> None:
    async def upload() -> None:
        # Imported here: matplotlib costs every start-up (the shell's -c) a third of a second.
        from commands.kpi.chart import render_trend_png

        png = await asyncio.to_thread(render_trend_png, snapshot)  # matplotlib is CPU-bound
        period = snapshot.request.period.span()
        await client.files_upload_v2(
            channel=channel_id,
            content=png,
            filename=f"kpi-{period}.png",
            title=f"KPI trend {period}",
        )

    queue.submit(user_id=actor.user_id, name="kpi_chart", work=upload, report=_reporter(respond))


def _queue_why(
    queue: WorkQueue,
    actor: Actor,
    sessions: SessionFactory,
    settings: Any,
    respond: AsyncRespond,
    question: Callable[[Any], WhyQuestion],
) -> None:
    """Queue the localisation; `question` is worked out in the same unit of work first."""

    async def explain() -> None:
        finding = await in_worker(
            sessions,
            lambda session: why_answer(
                session=session, question=question(session), weeks=settings.opsbot_spike_weeks
            ),
        )
        await respond(**render_finding(finding))

    queue.submit(user_id=actor.user_id, name="kpi_why", work=explain, report=_reporter(respond))


def _clicked(body: dict[str, Any]) -> tuple[dict[str, Any], str, str | None]:
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return action, str(body["user"]["id"]), channel


async def handle_breakdown(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    settings: Any,
    clock: Clock,
    kpi_registry: KpiRegistry,
    work_queue: WorkQueue,
    respond: AsyncRespond,
) -> None:
    """Answer a "By vendor/queue/…" button with a ranked table, posted after the ack."""
    await ack()
    action, user_id, channel_id = _clicked(body)
    match = BREAKDOWN_ACTION.match(action.get("action_id", ""))
    if match is None or match[1] not in DIMENSIONS:
        raise UsageError("That break-down is not one I know.")
    dimension = match[1]
    request = _parse(str(action.get("value") or ""), settings, clock, kpi_registry)
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id)

    async def answer() -> None:
        rows, shown = await in_worker(
            sessions,
            lambda session: breakdown_answer(
                session=session, request=request, scope=actor.scope, dimension=dimension
            ),
        )
        await respond(
            **render_breakdown(rows, dimension=dimension, request=shown, registry=kpi_registry)
        )

    work_queue.submit(user_id=user_id, name="kpi_breakdown", work=answer, report=_reporter(respond))


def _why_value(value: str, registry: KpiRegistry) -> tuple[KpiDefinition, str]:
    """Return the KPI and request text a "Why?" button carries; refuse a stale or forged one."""
    try:
        carried = json.loads(value or "{}")
        key, text = str(carried["kpi"]), str(carried["q"])
    except (ValueError, KeyError, TypeError):
        raise UsageError("That button is out of date; run /kpi again.", usage=USAGE) from None
    kpi = registry.get(key)
    if kpi is None:
        raise UsageError("That KPI is no longer defined; run /kpi again.")
    return kpi, text


async def handle_why_button(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    settings: Any,
    clock: Clock,
    kpi_registry: KpiRegistry,
    kpi_snapshots: SnapshotCache,
    work_queue: WorkQueue,
    respond: AsyncRespond,
) -> None:
    """Answer "Why?" (on a /kpi answer or a spike alert) exactly as `/kpi why KPI …` would."""
    await ack()
    action, user_id, channel_id = _clicked(body)
    kpi, text = _why_value(str(action.get("value") or ""), kpi_registry)
    request = _parse(text, settings, clock, kpi_registry)
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id)

    def question(session: Any) -> WhyQuestion:
        return why_question(
            session=session,
            request=request,
            scope=actor.scope,
            registry=kpi_registry,
            cache=kpi_snapshots,
            kpi=kpi,
        )

    _queue_why(work_queue, actor, sessions, settings, respond, question)
