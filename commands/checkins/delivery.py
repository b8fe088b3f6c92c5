"""Posting digests to Slack: a per-channel rate-limited dispatcher, tagged posts, look-ups.

Slack allows about one message per second per channel. Each channel gets a turn (an asyncio
lock and the earliest time of its next post); a 429 pushes that time back by Retry-After.
Everything waits with asyncio, so command handling on the same loop is never blocked.
Posts carry message metadata (`opsbot_digest` + run id), so after a lost answer the run
can be found in the channel instead of being posted twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.checkins.runner import PostOutcome

EVENT_TYPE = "opsbot_digest"
# Slack answered with one of these: posting again cannot succeed until someone acts.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "no_permission",
        "restricted_action",
        "missing_scope",
    }
)
HISTORY_PAGES = 5


class ChannelDispatcher:
    """Per-channel turns at `per_second`, at most `max_in_flight` posts at once."""

    def __init__(
        self,
        *,
        per_second: float = 1.0,
        max_in_flight: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}
        self._monotonic = monotonic
        self._sleep = sleep
        self.rate_limited = 0  # 429s seen, for the benchmark and metrics

    @asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        """Wait for the channel's next allowed moment and hold its turn."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            await self.wait_until_allowed(channel)
            async with self._in_flight:
                try:
                    yield
                finally:
                    self._next[channel] = max(
                        self._next.get(channel, 0.0), self._monotonic() + self.interval
                    )

    async def wait_until_allowed(self, channel: str) -> None:
        """Sleep until the channel may receive its next message."""
        wait = self._next.get(channel, 0.0) - self._monotonic()
        if wait > 0:
            await self._sleep(wait)

    def back_off(self, channel: str, seconds: float) -> None:
        """Honour a Retry-After for the channel."""
        self.rate_limited += 1
        self._next[channel] = max(self._next.get(channel, 0.0), self._monotonic() + seconds)


class SlackDigestPoster:
    """Post digests through a client that does not retry on its own (we decide)."""

    def __init__(
        self,
        client: AsyncWebClient,
        dispatcher: ChannelDispatcher,
        *,
        max_rate_limited: int = 5,
        event_type: str = EVENT_TYPE,
    ) -> None:
        self._client = client
        self.dispatcher = dispatcher
        self._max_rate_limited = max_rate_limited
        self.event_type = event_type  # the metadata tag that finds a post again

    def slot(self, channel: str) -> Any:
        """Hold the channel's turn under its rate limit."""
        return self.dispatcher.turn(channel)

    async def post(self, *, channel: str, message: dict[str, Any], run_id: int) -> PostOutcome:
        """Post once (re-trying only on 429, which means nothing was posted)."""
        for _ in range(self._max_rate_limited + 1):
            try:
                response = await self._client.chat_postMessage(
                    channel=channel,
                    text=message["text"],
                    blocks=message["blocks"],
                    unfurl_links=False,
                    metadata={"event_type": self.event_type, "event_payload": {"run_id": run_id}},
                )
            except SlackApiError as exc:
                status = exc.response.status_code
                data = exc.response.data  # a 5xx body may be text, not JSON
                error = str((data.get("error") if isinstance(data, dict) else None) or status)
                if status == 429:
                    retry_after = _retry_after(exc)
                    self.dispatcher.back_off(channel, retry_after)
                    await self.dispatcher.wait_until_allowed(channel)
                    continue
                if status >= 500:
                    return PostOutcome("unsure", error=error)
                kind = "rejected" if error in PERMANENT_ERRORS else "retry"
                return PostOutcome(kind, error=error)
            except (aiohttp.ClientError, TimeoutError) as exc:
                return PostOutcome("unsure", error=type(exc).__name__)
            return PostOutcome("posted", ts=str(response["ts"]))
        return PostOutcome("retry", error="ratelimited", retry_after=_DEFAULT_RETRY)

    async def find_posted(self, *, channel: str, run_id: int, since: datetime) -> str | None:
        """Look for the run's tagged message in the channel's history since `since`."""
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            response = await self._client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp() - 60:.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == self.event_type
                    and payload.get("run_id") == run_id
                ):
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None


_DEFAULT_RETRY = 30.0


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
