"""Workspace state behind the local Slack server: directory, messages, views, files.

Shapes follow the real Web API answers (https://api.slack.com/methods), trimmed to the
fields a bot reads. Not thread-safe on its own: LocalSlack serialises access.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEAM_ID = "T0LOCAL"
TEAM_DOMAIN = "opsbot-local"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0LOCAL"


class SlackApiError(Exception):
    """A Web API error answered as HTTP 200 with ``{"ok": false, "error": code}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Workspace:
    """Users, channels, user groups, messages and views of one local team."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired_triggers: set[str] = field(default_factory=set)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_ts: float = 1_700_000_000.0

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        email: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        is_admin: bool = False,
        is_bot: bool = False,
        team_id: str = TEAM_ID,
    ) -> dict[str, Any]:
        """Add or replace a member and return its users.info shape.

        A `team_id` other than the local team's is a Slack Connect partner's member.
        """
        real = real_name or name.replace(".", " ").title()
        profile: dict[str, Any] = {"real_name": real, "display_name": name, "team": team_id}
        if email:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = BOT_ID
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": False,
            "real_name": real,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _utc_offset_seconds(tz),
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> None:
        """Add or replace a channel."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_private": is_private,
            "is_archived": False,
            "is_member": True,
            "created": 1_700_000_000,
            "context_team_id": TEAM_ID,
            "num_members": len(self.users),
        }
        self.history.setdefault(channel_id, [])

    def add_usergroup(self, group_id: str, handle: str, user_ids: list[str]) -> None:
        """Add or replace a user group (``S…`` id)."""
        self.usergroups[group_id] = {
            "id": group_id,
            "team_id": TEAM_ID,
            "handle": handle,
            "name": handle,
            "users": list(user_ids),
        }

    def next_ts(self) -> str:
        """Return a message timestamp, unique and increasing like Slack's."""
        self._last_ts = max(round(self._last_ts + 0.0001, 4), round(time.time(), 4))
        return f"{self._last_ts:.6f}"

    def next_id(self, prefix: str) -> str:
        """Return a fresh Slack-looking id (``V0000001``)."""
        return f"{prefix}{next(self._serial):07d}"

    def channel_id(self, ref: str | None) -> str:
        """Resolve a channel id, ``#name``, name or user id (DM) to a known channel id."""
        if not ref:
            raise SlackApiError("channel_not_found")
        if ref in self.channels:
            return ref
        if ref in self.users:
            return self.open_dm([ref])
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel["name"] == name:
                return str(channel["id"])
        raise SlackApiError("channel_not_found")

    def open_dm(self, user_ids: list[str]) -> str:
        """Return the DM channel with these users, creating it once."""
        for uid in user_ids:
            if uid not in self.users:
                raise SlackApiError("user_not_found")
        dm_id = "D" + "".join(sorted(user_ids))[1:][:10]
        if dm_id not in self.channels:
            self.channels[dm_id] = {
                "id": dm_id,
                "is_im": len(user_ids) == 1,
                "is_mpim": len(user_ids) > 1,
                "user": user_ids[0],
                "is_open": True,
                "created": 1_700_000_000,
            }
            self.history.setdefault(dm_id, [])
        return dm_id

    def find_message(self, channel: str, ts: str | None) -> dict[str, Any]:
        """Return the stored message or raise ``message_not_found``."""
        for message in self.history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackApiError("message_not_found")

    def post(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        """Store a bot message and return it as Slack echoes it."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text") or "",
            "ts": self.next_ts(),
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata", "files"):
            if args.get(key):
                message[key] = args[key]
        self.history.setdefault(channel, []).append(message)
        return copy.deepcopy(message)

    def user_post(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message a person typed (with its unfurl id) and return it."""
        if user_id not in self.users:
            raise SlackApiError("user_not_found")
        message: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "team": self.users[user_id]["team_id"],
            "text": text,
            "ts": self.next_ts(),
            "unfurl_id": self.next_id("Uf"),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.history.setdefault(self.channel_id(channel), []).append(message)
        return copy.deepcopy(message)

    def message_by_unfurl_id(self, unfurl_id: str) -> dict[str, Any]:
        """Return the message a link_shared event named by its unfurl id."""
        for messages in self.history.values():
            for message in messages:
                if message.get("unfurl_id") == unfurl_id:
                    return message
        raise SlackApiError("cannot_unfurl_message")

    def make_view(self, view: dict[str, Any], *, view_id: str | None = None) -> dict[str, Any]:
        """Store a view and return it in the shape views.* answer."""
        stored = {
            "id": view_id or self.next_id("V"),
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{next(self._serial)}",
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": None,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }
        stored["root_view_id"] = stored["id"]
        self.views[str(stored["id"])] = stored
        return copy.deepcopy(stored)


def _utc_offset_seconds(zone: str) -> int:
    """Return the zone's current UTC offset in seconds, as users.info's tz_offset."""
    try:
        offset = datetime.now(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


def paginate(items: list[dict[str, Any]], args: dict[str, Any]) -> tuple[list[Any], str]:
    """Slice `items` by Slack ``cursor``/``limit`` and return the page and next cursor."""
    start = 0
    cursor = str(args.get("cursor") or "")
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error) as exc:
            raise SlackApiError("invalid_cursor") from exc
    limit = int(args.get("limit") or 0) or 100
    page = items[start : start + limit]
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return copy.deepcopy(page), next_cursor
