"""link_shared unfurls issue links; app_mention with a key answers with the card in thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from commands.links.config import LinksConfig
from commands.links.parsing import MENTION_USAGE, key_in_url, keys_in_text
from commands.links.service import find_cards
from commands.links.views import mention_answer, unfurls
from commands.permissions import Permissions
from storage.engine import SessionFactory, in_worker


def after_ack(background: Any, name: str, work: Any) -> None:
    """Run `work()` once the event is acknowledged (Slack retries after 3 seconds)."""

    async def job(_session: Any) -> None:
        await work()

    background.spawn(name, job)


async def link_shared(
    event: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
    links_config: LinksConfig,
    clock: Callable[[], datetime],
    background: Any,
) -> None:
    """link_shared: unfurl after the acknowledgement."""
    after_ack(
        background,
        "links.unfurl",
        lambda: unfurl_links(event, client, sessions, permissions, links_config, clock),
    )


async def app_mention(
    event: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
    clock: Callable[[], datetime],
    background: Any,
) -> None:
    """app_mention: answer after the acknowledgement."""
    after_ack(
        background,
        "links.mention",
        lambda: answer_mention(event, client, sessions, permissions, clock),
    )


async def unfurl_links(
    event: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
    config: LinksConfig,
    clock: Callable[[], datetime],
) -> None:
    """Unfurl the issue links of a message with their cards, only what the channel may see."""
    channel_id = str(event.get("channel") or "")
    urls: dict[str, str] = {}
    for link in event.get("links") or []:
        url = str(link.get("url") or "")
        key = key_in_url(url, jira_url=config.jira_url, public_url=config.public_url)
        if key is not None and len(urls) < 10:
            urls[url] = key
    if not urls:
        return
    # The composer previews before the message exists: its channel is not a real one, so
    # only unscoped channels' rules would apply; nothing is unfurled there.
    if event.get("source") == "composer" or not channel_id:
        return
    user_id = str(event.get("user") or "")
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id)
    keys = list(dict.fromkeys(urls.values()))
    cards = await in_worker(sessions, lambda s: find_cards(s, actor=actor, keys=keys))
    shown = unfurls(cards, urls, now=clock())
    if shown:  # outside the channel's scope nothing is unfurled at all
        await client.chat_unfurl(channel=channel_id, ts=str(event["message_ts"]), unfurls=shown)


async def answer_mention(
    event: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
    clock: Callable[[], datetime],
) -> None:
    """Answer `@opsbot ESC-12` in the message's thread with the same card as a preview."""
    channel_id = str(event.get("channel") or "")
    thread_ts = str(event.get("thread_ts") or event.get("ts") or "")
    keys = keys_in_text(str(event.get("text") or ""))
    if not keys:
        await client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=MENTION_USAGE)
        return
    user_id = str(event.get("user") or "")
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id)
    cards = await in_worker(sessions, lambda s: find_cards(s, actor=actor, keys=keys))
    missing = [k for k in keys if k not in cards]
    answer = mention_answer(list(cards.values()), missing, now=clock())
    await client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, **answer)
