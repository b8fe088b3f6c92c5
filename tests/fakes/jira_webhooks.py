"""Build Jira Cloud webhook bodies and their ``X-Hub-Signature`` like Jira sends them."""

from __future__ import annotations

import copy
import hashlib
import hmac
import time
from typing import Any

ACTOR = {
    "self": "https://example.atlassian.net/rest/api/2/user?accountId=557058:actor",
    "accountId": "557058:actor",
    "displayName": "Jira Actor",
    "active": True,
    "timeZone": "UTC",
    "accountType": "atlassian",
}


def status_change(from_status: str, to_status: str) -> dict[str, Any]:
    """Return a changelog moving the status, as in ``jira:issue_updated``."""
    return {
        "id": str(time.time_ns() % 10_000_000),
        "items": [
            {
                "field": "status",
                "fieldtype": "jira",
                "fieldId": "status",
                "from": None,
                "fromString": from_status,
                "to": None,
                "toString": to_status,
            }
        ],
    }


def jira_webhook_payload(
    event: str,
    issue: dict[str, Any],
    *,
    changelog: dict[str, Any] | None = None,
    comment: dict[str, Any] | str | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """Build the body Jira posts for `event` (``jira:issue_updated``, ``comment_created``…)."""
    body: dict[str, Any] = {
        "timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        "webhookEvent": event,
        "user": ACTOR,
        "issue": copy.deepcopy(issue),
    }
    if isinstance(comment, str):
        comment = {
            "self": f"{issue.get('self', '')}/comment/10500",
            "id": "10500",
            "author": ACTOR,
            "body": comment,
            "updateAuthor": ACTOR,
            "created": "2024-01-01T00:00:00.000+0000",
            "updated": "2024-01-01T00:00:00.000+0000",
            "jsdPublic": True,
        }
    if event.startswith("jira:"):
        body["issue_event_type_name"] = _event_type(event, changelog, comment)
    if changelog is not None:
        body["changelog"] = changelog
    if comment is not None:
        body["comment"] = comment
    return body


def _event_type(event: str, changelog: dict[str, Any] | None, comment: Any) -> str:
    if event == "jira:issue_created":
        return "issue_created"
    if event == "jira:issue_deleted":
        return "issue_deleted"
    if comment is not None:
        return "issue_commented"
    fields = {item.get("field") for item in (changelog or {}).get("items", [])}
    if "status" in fields or "resolution" in fields:
        return "issue_generic"
    if "assignee" in fields:
        return "issue_assigned"
    return "issue_updated"


def sign_jira_webhook(body: bytes, secret: str) -> str:
    """Return the ``X-Hub-Signature`` value (``sha256=<hex>``) for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
