"""Who may change configuration: the users and user group named in OPSBOT_ADMINS."""

from __future__ import annotations

from typing import Protocol

from integrations.errors import NotAllowed


class GroupDirectory(Protocol):
    """Anything that can list a user group's members."""

    async def usergroup_members(self, group_id: str) -> frozenset[str]:
        """Return the user ids in a user group."""
        ...


class AdminPolicy:
    """Answer whether a user is an admin; nobody is when OPSBOT_ADMINS is empty."""

    def __init__(
        self, *, user_ids: frozenset[str], group_id: str | None, directory: GroupDirectory
    ) -> None:
        self._user_ids = user_ids
        self._group_id = group_id
        self._directory = directory

    async def is_admin(self, user_id: str) -> bool:
        """Tell whether `user_id` is listed or belongs to the admin group."""
        if user_id in self._user_ids:
            return True
        if self._group_id is None:
            return False
        return user_id in await self._directory.usergroup_members(self._group_id)

    async def require_admin(self, user_id: str, *, action: str) -> None:
        """Raise NotAllowed unless `user_id` is an admin."""
        if not await self.is_admin(user_id):
            raise NotAllowed(
                f"Only opsbot admins can {action}. Ask one of them, or see /opsbot help."
            )
