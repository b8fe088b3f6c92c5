"""Build correctly signed Slack requests, shaped like the ones Slack sends.

The one place requests are built: the shell types through the front door with these, and
the tests do too (tests/support/slack_requests.py only adds their defaults). Each builder
returns ``(body, headers)``; pass them to `to_bolt_request` for
``await app.async_dispatch(req)`` or POST them to ``/slack/events``. Payloads start from the
real-shaped samples in ``bot/offline/samples/``.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.signing import sign
from bot.signing import to_bolt_request as to_bolt_request

SAMPLES = Path(__file__).resolve().parent / "samples"
TEAM_ID = "T0LOCAL"
APP_ID = "A0LOCAL"


@cache
def _sample_text(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text(encoding="utf-8")


def sample(name: str) -> dict[str, Any]:
    """Return a fresh copy of the real-shaped payload in samples/<name>.json."""
    data: dict[str, Any] = json.loads(_sample_text(name))
    return copy.deepcopy(data)


def new_trigger_id() -> str:
    """Return a fresh trigger id in Slack's shape."""
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"


def new_view_id() -> str:
    """Return a fresh view id in Slack's shape."""
    return "V" + uuid.uuid4().hex[:10].upper()


def slash_command(
    command: str,
    text: str = "",
    *,
    secret: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a slash command, form-encoded like Slack."""
    form = sample("slash_command")
    form.update(
        command=command,
        text=text,
        user_id=user_id,
        channel_id=channel_id,
        team_id=team_id,
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    if user_name is not None:
        form["user_name"] = user_name
    if channel_name is not None:
        form["channel_name"] = channel_name
    body = urlencode(form)
    return body, sign(body, secret, **signing)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _interactive(
    payload: dict[str, Any], secret: str, signing: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)})
    return body, sign(body, secret, **signing)


def block_action(
    action_id: str,
    value: str = "",
    *,
    secret: str,
    user_id: str,
    channel_id: str,
    message_ts: str | None,
    response_url: str,
    trigger_id: str | None = None,
    block_id: str = "actions",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    selected_option: str | None = None,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a button click (block_actions) on a message, or in `view` when given.

    With `selected_option`, the action is an overflow menu choice carrying that value.
    Without `message_ts` the message is an ephemeral one: Slack sends no copy of it.
    """
    payload = sample("block_actions")
    payload["user"]["id"] = user_id
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["actions"][0].update(
        action_id=action_id, block_id=block_id, value=value, action_ts=f"{time.time():.6f}"
    )
    if selected_option is not None:
        payload["actions"][0].pop("value", None)
        payload["actions"][0].update(
            type="overflow", selected_option={"text": _plain("x"), "value": selected_option}
        )
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0000001")}
        payload["view"] = view
        for key in ("channel", "message", "response_url"):
            payload.pop(key)
        return _interactive(payload, secret, signing)
    payload["container"].update(
        message_ts=message_ts, channel_id=channel_id, is_ephemeral=message_ts is None
    )
    payload["channel"]["id"] = channel_id
    if message_ts is None:
        payload.pop("message")
    else:
        payload["message"] = message or {**payload["message"], "ts": message_ts}
    payload["response_url"] = response_url
    return _interactive(payload, secret, signing)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    secret: str,
    user_id: str,
    private_metadata: str = "",
    view_id: str = "V0000001",
    view: dict[str, Any] | None = None,
    response_urls: list[dict[str, str]] | None = None,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a modal submission; `values` is ``{block_id: {action_id: value-dict}}``.

    `view`, when given, is the view the bot opened (its blocks, title, hash) as submitted.
    """
    payload = sample("view_submission")
    payload["user"]["id"] = user_id
    payload["view"].update(view or {})
    payload["view"].update(
        id=view_id,
        root_view_id=view_id,
        callback_id=callback_id,
        private_metadata=private_metadata,
        state={"values": values},
    )
    payload["response_urls"] = response_urls or []
    return _interactive(payload, secret, signing)


def message_shortcut(
    callback_id: str,
    message: dict[str, Any],
    *,
    secret: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str | None = None,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a message shortcut (``message_action``) on `message`."""
    payload = sample("message_action")
    payload["user"]["id"] = user_id
    payload["channel"]["id"] = channel_id
    payload.update(
        callback_id=callback_id,
        message={"type": "message", **message},
        message_ts=message.get("ts", payload["message_ts"]),
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return _interactive(payload, secret, signing)


def event_callback(
    event: dict[str, Any],
    *,
    secret: str,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build an Events API delivery (JSON body) wrapping `event`."""
    envelope = sample("event_callback")
    envelope.update(
        event=event,
        team_id=team_id,
        event_id=event_id or f"Ev{time.time_ns()}",
        event_time=int(time.time()),
    )
    body = json.dumps(envelope)
    return body, sign(body, secret, content_type="application/json", **signing)


def url_verification(challenge: str, *, secret: str, **signing: Any) -> tuple[str, dict[str, str]]:
    """Build the Events API URL verification handshake."""
    body = json.dumps({"token": "unused", "challenge": challenge, "type": "url_verification"})
    return body, sign(body, secret, content_type="application/json", **signing)
