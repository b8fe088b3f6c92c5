"""Build correctly signed Slack requests locally: the shell (and the tests, through
tests/support/slack_requests.py) type through the front door."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.signing import sign as sign
from bot.signing import to_bolt_request as to_bolt_request

TEAM_ID = "T0LOCAL"
APP_ID = "A0LOCAL"


def slash_command_body(
    command: str, text: str, *, user_id: str, channel_id: str, response_url: str
) -> str:
    """Form-encode a slash command as Slack delivers it."""
    return urlencode(
        {
            "token": "local",
            "team_id": TEAM_ID,
            "team_domain": "local",
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """Form-encode an interaction payload (`payload=<json>`)."""
    return urlencode({"payload": json.dumps(payload)})


def block_action_payload(
    *,
    action_id: str,
    block_id: str,
    value: str,
    user_id: str,
    channel_id: str | None,
    message_ts: str | None,
    response_url: str,
) -> dict[str, Any]:
    """Build a `block_actions` payload for a button press on a message."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "local"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "trigger_id": new_trigger_id(),
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if channel_id:
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": message_ts is None,
        }
        payload["message"] = {"ts": message_ts, "type": "message"} if message_ts else None
    return payload


def view_submission_payload(
    *, view: dict[str, Any], values: dict[str, dict[str, Any]], user_id: str
) -> dict[str, Any]:
    """Build a `view_submission` payload for a modal the bot opened."""
    submitted = dict(view)
    submitted["state"] = {"values": values}
    submitted.setdefault("id", "V" + uuid.uuid4().hex[:10].upper())
    submitted.setdefault("hash", uuid.uuid4().hex[:12])
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "local"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "trigger_id": new_trigger_id(),
        "view": submitted,
        "response_urls": [],
    }


def new_trigger_id() -> str:
    """Return a fresh trigger id in Slack's shape."""
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"
