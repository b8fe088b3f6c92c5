"""Reading Slack interaction payloads: view metadata and the acting user."""

from __future__ import annotations

import json
from typing import Any


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON private_metadata of a view (empty when absent or malformed)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def acting_user(body: dict[str, Any]) -> tuple[str, str]:
    """Return (user id, user name) of whoever acted."""
    user = body.get("user") or {}
    return str(user.get("id")), str(user.get("name") or user.get("username") or user.get("id"))
