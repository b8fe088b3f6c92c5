"""Post newly found spikes to the alerts channel, each once (the spike's stored key)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from commands.kpi.grammar import KpiRequest, Period
from commands.kpi.registry import KpiRegistry
from commands.kpi.views import BUTTON_VALUE, WHY_ACTION
from commands.mrkdwn import clip_mrkdwn, escape
from storage.engine import SessionFactory, in_worker
from storage.kpi import KpiSpike
from storage.kpi_spikes import mark_alerted, unalerted_spikes

# (channel, message): the message is chat.postMessage's text and blocks.
Post = Callable[[str, dict[str, Any]], Awaitable[None]]
STALE_DAYS = 7


def spike_text(registry: KpiRegistry, spike: KpiSpike) -> str:
    """Render one spike as an alert line."""
    kpi = registry.get(spike.kpi)
    label = kpi.label if kpi else spike.kpi
    where = " × ".join(p.replace("=", ":") for p in spike.slice_key.split("|") if p) or "whole team"
    icon = ":rotating_light:" if spike.kind == "spike" else ":chart_with_upwards_trend:"
    return (
        f"{icon} *{escape(label)}* {spike.kind} — {escape(where)} on {spike.day:%a %d %b}: "
        f"{escape(spike.explanation)}"
    )


def why_request_text(spike: KpiSpike) -> str:
    """Return the `/kpi why` text for the spike's day and slice (what its Why? button asks)."""
    day = Period(spike.day, spike.day, spike.day.isoformat())
    filters: dict[str, tuple[str, ...]] = {}
    for part in spike.slice_key.split("|"):
        name, _, value = part.partition("=")
        if part:
            filters[name] = (value,)
    return KpiRequest("why", day, day.preceding(), filters).canonical()


def spike_message(registry: KpiRegistry, spike: KpiSpike) -> dict[str, Any]:
    """Build the alert: the spike's line and a "Why?" button answering as `/kpi why` does."""
    text = spike_text(registry, spike)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, 2990)}}
    ]
    value = json.dumps({"kpi": spike.kpi, "q": why_request_text(spike)})
    if len(value) <= BUTTON_VALUE:  # a clipped value would not parse back: no button then
        button = {
            "type": "button",
            "action_id": WHY_ACTION,
            "text": {"type": "plain_text", "text": "Why?"},
            "style": "primary",
            "value": value,
        }
        blocks.append({"type": "actions", "block_id": "kpi_alert", "elements": [button]})
    return {"text": text, "blocks": blocks}


async def announce_spikes(
    *, sessions: SessionFactory, registry: KpiRegistry, channel: str | None, post: Post
) -> int:
    """Post each not-yet-announced recent spike once; return how many were posted.

    No connection is held while Slack answers: each read and mark is a unit of work of its own.
    """
    if not channel:
        return 0
    pending = await in_worker(sessions, unalerted_spikes)
    if not pending:
        return 0
    newest = max(s.day for s in pending)
    posted = 0
    for spike in pending:
        # A first import of a year of history should not flood the channel with old news.
        if spike.day >= newest - timedelta(days=STALE_DAYS - 1):
            await post(channel, spike_message(registry, spike))
            posted += 1
        # Marked one by one so a failure halfway never re-posts what already went out.
        await in_worker(sessions, partial(_mark, spike))
    return posted


def _mark(spike: KpiSpike, session: Session) -> None:
    mark_alerted(session, session.merge(spike))
