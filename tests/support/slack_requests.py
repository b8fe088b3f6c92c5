"""Build correctly signed Slack requests, shaped like the ones Slack sends.

Each builder returns ``(body, headers)``; pass them to `to_bolt_request` for
``await app.async_dispatch(req)`` or POST them to ``/slack/events``. Payloads start from the
real-shaped samples in ``tests/fixtures/slack/``.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.offline import slack_requests as local_requests
from bot.offline.slack_requests import TEAM_ID as TEAM_ID
from bot.offline.slack_requests import interaction_body
from bot.offline.slack_requests import new_trigger_id as new_trigger_id
from bot.offline.slack_requests import to_bolt_request as to_bolt_request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
# Tests never reach the internet: a test that wants respond() posts passes
# `local_slack.response_url(...)`; this default refuses connections at once.
NO_RESPONSE_URL = "http://127.0.0.1:9/response-url-not-given"


def sample(name: str) -> dict[str, Any]:
    """Load a real-shaped sample payload from tests/fixtures/slack/<name>.json."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return copy.deepcopy(data)


def sign(body: str, *, signing_secret: str = SIGNING_SECRET, **options: Any) -> dict[str, str]:
    """Return Slack's request headers for `body`, signed with the tests' secret by default."""
    return local_requests.sign(body, signing_secret, **options)


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str = "U0ADMIN",
    channel_id: str = "C0OPS",
    team_id: str = TEAM_ID,
    response_url: str = NO_RESPONSE_URL,
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
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
    body = urlencode(form)
    return body, sign(body, signing_secret=signing_secret, **signing)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _interactive(
    payload: dict[str, Any], signing_secret: str, signing: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    body = interaction_body(payload)
    return body, sign(body, signing_secret=signing_secret, **signing)


def block_action(
    action_id: str,
    value: str = "",
    *,
    user_id: str = "U0ADMIN",
    channel_id: str = "C0OPS",
    message_ts: str = "1700000000.000100",
    response_url: str = NO_RESPONSE_URL,
    trigger_id: str | None = None,
    block_id: str = "actions",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    selected_option: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a button click (block_actions) on a message, or in `view` when given.

    With `selected_option`, the action is an overflow menu choice carrying that value.
    """
    payload = sample("block_actions")
    payload["user"]["id"] = user_id
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["actions"][0].update(action_id=action_id, block_id=block_id, value=value)
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
    else:
        payload["container"].update(message_ts=message_ts, channel_id=channel_id)
        payload["channel"]["id"] = channel_id
        payload["message"] = message or {**payload["message"], "ts": message_ts}
        payload["response_url"] = response_url
    return _interactive(payload, signing_secret, signing)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    user_id: str = "U0ADMIN",
    view_id: str = "V0000001",
    response_urls: list[dict[str, str]] | None = None,
    signing_secret: str = SIGNING_SECRET,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build a modal submission; `values` is ``{block_id: {action_id: value-dict}}``."""
    payload = sample("view_submission")
    payload["user"]["id"] = user_id
    payload["view"].update(
        id=view_id,
        root_view_id=view_id,
        callback_id=callback_id,
        private_metadata=private_metadata,
        state={"values": values},
    )
    payload["response_urls"] = response_urls or []
    return _interactive(payload, signing_secret, signing)


def message_shortcut(
    callback_id: str,
    message: dict[str, Any],
    *,
    user_id: str = "U0ADMIN",
    channel_id: str = "C0OPS",
    response_url: str = NO_RESPONSE_URL,
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
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
    return _interactive(payload, signing_secret, signing)


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    signing_secret: str = SIGNING_SECRET,
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
    return body, sign(
        body, signing_secret=signing_secret, content_type="application/json", **signing
    )


def url_verification(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    *,
    signing_secret: str = SIGNING_SECRET,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build the Events API URL verification handshake."""
    body = json.dumps({"token": "unused", "challenge": challenge, "type": "url_verification"})
    return body, sign(
        body, signing_secret=signing_secret, content_type="application/json", **signing
    )
