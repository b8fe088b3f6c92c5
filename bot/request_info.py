"""What a Slack request is, read from its parsed body: for audit, metrics and dedupe."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from storage.text import clean_text


def _printable(value: object, limit: int = 500) -> str:
    # Control characters help no one reading the audit trail (and PostgreSQL refuses NUL).
    return clean_text(str(value))[:limit]


@dataclass(frozen=True)
class RequestInfo:
    """The parts of a request the audit trail and dedupe need."""

    kind: str
    name: str
    user_id: str | None
    channel_id: str | None
    detail: str
    dedupe_key: str | None


def describe(body: dict[str, Any]) -> RequestInfo:
    """Classify a Slack request body (slash command, interaction or event)."""
    if "command" in body:
        return RequestInfo(
            kind="command",
            name=_printable(body["command"], 255),
            user_id=body.get("user_id"),
            channel_id=body.get("channel_id"),
            detail=_printable(body.get("text", "")),
            dedupe_key=_key("cmd", body.get("trigger_id")),
        )
    kind = str(body.get("type", "unknown"))
    user = body.get("user") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0]
        return RequestInfo(
            kind="action",
            name=str(action.get("action_id", "?")),
            user_id=user.get("id"),
            channel_id=channel,
            detail=_printable(action.get("value", "")),
            dedupe_key=_key("act", body.get("trigger_id")),
        )
    if kind in ("view_submission", "view_closed"):
        view = body.get("view") or {}
        state = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
        digest = hashlib.sha256(state.encode()).hexdigest()[:16]
        return RequestInfo(
            kind="view",
            name=str(view.get("callback_id", "?")),
            user_id=user.get("id"),
            channel_id=channel,
            detail="",
            dedupe_key=_key(kind, f"{view.get('id')}:{digest}"),
        )
    if kind in ("message_action", "shortcut"):
        return RequestInfo(
            kind="shortcut",
            name=str(body.get("callback_id", "?")),
            user_id=user.get("id"),
            channel_id=channel,
            detail="",
            dedupe_key=_key("sc", body.get("trigger_id")),
        )
    if kind == "event_callback":
        event = body.get("event") or {}
        return RequestInfo(
            kind="event",
            name=str(event.get("type", "?")),
            user_id=event.get("user"),
            channel_id=event.get("channel") or (event.get("item") or {}).get("channel"),
            detail="",
            dedupe_key=_key("evt", body.get("event_id")),
        )
    return RequestInfo(
        kind=kind, name=kind, user_id=user.get("id"), channel_id=channel, detail="", dedupe_key=None
    )


def _key(prefix: str, value: Any) -> str | None:
    return f"{prefix}:{value}" if value else None
