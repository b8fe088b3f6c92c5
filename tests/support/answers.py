"""What tests read back from the app: JSON answers, and the work a request left behind."""

from __future__ import annotations

import json
from typing import Any

from bot.runtime import Runtime


async def settle(runtime: Runtime, horizon: float = 2.0, *, within: float = 30.0) -> None:
    """Finish background work and every outbox job due within `horizon` seconds."""
    await runtime.background.drain()
    await runtime.outbox.drain(within=within, horizon=horizon)


def body(response: Any) -> dict[str, Any]:
    """Return a response's JSON answer ({} for an empty body, as a bare ack has)."""
    return json.loads(response.body) if response.body else {}


def ok_body(response: Any) -> dict[str, Any]:
    """Return the JSON answer of a response that must be a 200 with a body."""
    assert response.status == 200
    answer: dict[str, Any] = json.loads(response.body)
    return answer
