"""Signed Events API deliveries for the Slack-native surfaces, shaped like Slack's own.

`app_home_opened` (https://docs.slack.dev/reference/events/app_home_opened), `link_shared`
(…/events/link_shared) and `app_mention` (…/events/app_mention), each wrapped by
`slack_requests.event_callback` so it reaches the app through the signed front door.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from tests.support.slack_requests import TEAM_ID, event_callback

BOT_USER_ID = "U0BOT"


def app_home_opened(
    user_id: str, *, tab: str = "home", team_id: str = TEAM_ID, **signing: Any
) -> tuple[str, dict[str, str]]:
    """Build the event Slack sends when `user_id` opens the bot's Home tab."""
    event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id[1:]}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    return event_callback(event, team_id=team_id, **signing)


def link_shared(
    message: dict[str, Any],
    channel_id: str,
    urls: list[str],
    *,
    user_id: str | None = None,
    **signing: Any,
) -> tuple[str, dict[str, str]]:
    """Build the event for links (of the app's unfurl domains) posted in `message`."""
    event = {
        "type": "link_shared",
        "channel": channel_id,
        "is_bot_user_member": True,
        "user": user_id or message.get("user", "U0ADMIN"),
        "message_ts": message["ts"],
        "unfurl_id": message.get("unfurl_id", ""),
        "thread_ts": message.get("thread_ts"),
        "source": "conversations_history",
        "links": [{"domain": urlsplit(u).hostname or "", "url": u} for u in urls],
        "event_ts": f"{time.time():.6f}",
    }
    return event_callback(event, **signing)


def app_mention(
    message: dict[str, Any], channel_id: str, **signing: Any
) -> tuple[str, dict[str, str]]:
    """Build the event for a message that mentions the bot (`<@U0BOT> …`)."""
    event = {
        "type": "app_mention",
        "user": message.get("user", "U0ADMIN"),
        "text": message["text"],
        "ts": message["ts"],
        "channel": channel_id,
        "event_ts": message["ts"],
    }
    if message.get("thread_ts"):
        event["thread_ts"] = message["thread_ts"]
    return event_callback(event, **signing)
