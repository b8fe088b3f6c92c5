"""Look-ups in the Slack workspace: users, channels and user groups, cached briefly."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from integrations.errors import NotFound

_TTL_SECONDS = 300.0


class SlackDirectory:
    """Resolve ids and names through the Web API; answers are cached for five minutes."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    async def _cached(self, key: tuple[str, str], fetch: Any) -> Any:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < _TTL_SECONDS:
            return hit[1]
        value = await fetch()
        self._cache[key] = (now, value)
        return value

    async def usergroup_members(self, group_id: str) -> frozenset[str]:
        """Return the user ids in a user group."""

        async def fetch() -> frozenset[str]:
            response = await self._client.usergroups_users_list(usergroup=group_id)
            return frozenset(response.get("users") or [])

        members: frozenset[str] = await self._cached(("group", group_id), fetch)
        return members

    async def user(self, user_id: str) -> dict[str, Any]:
        """Return the user's profile record."""

        async def fetch() -> dict[str, Any]:
            response = await self._client.users_info(user=user_id)
            return dict(response["user"])

        found: dict[str, Any] = await self._cached(("user", user_id), fetch)
        return found

    async def user_email(self, user_id: str) -> str | None:
        """Return the user's e-mail when the workspace shares it."""
        try:
            profile = (await self.user(user_id)).get("profile") or {}
        except SlackApiError:
            return None
        email = profile.get("email")
        return str(email) if email else None

    async def display_name(self, user_id: str) -> str:
        """Return a readable name for the user, falling back to the id."""
        try:
            user = await self.user(user_id)
        except SlackApiError:
            return user_id
        profile = user.get("profile") or {}
        return str(
            profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
        )

    async def find_user(self, name: str) -> str:
        """Return the id of the user called `name` (handle, display or real name)."""
        wanted = name.lstrip("@").lower()
        async for page in _pages(self._client.users_list):
            for user in page.get("members") or []:
                profile = user.get("profile") or {}
                names = {user.get("name"), profile.get("display_name"), user.get("real_name")}
                if wanted in {str(n).lower() for n in names if n}:
                    return str(user["id"])
        raise NotFound(f"No user called @{name.lstrip('@')}.")

    async def find_channel(self, name: str) -> str:
        """Return the id of the channel called `name`."""
        wanted = name.lstrip("#").lower()
        async for page in _pages(
            self._client.conversations_list, types="public_channel,private_channel"
        ):
            for channel in page.get("channels") or []:
                if str(channel.get("name", "")).lower() == wanted:
                    return str(channel["id"])
        raise NotFound(f"No channel called #{name.lstrip('#')} that I can see.")


async def _pages(method: Any, **kwargs: Any) -> Any:
    cursor: str | None = None
    while True:
        response = await method(limit=200, cursor=cursor, **kwargs)
        yield response
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return
