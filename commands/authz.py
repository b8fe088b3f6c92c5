"""Who may change configuration: the users and user group named in OPSBOT_ADMINS."""

from __future__ import annotations

import logging
from typing import Protocol

from integrations.errors import NotAllowed

log = logging.getLogger("opsbot.authz")
NO_ADMINS_HINT = (
    "No opsbot admins are configured yet: set `OPSBOT_ADMINS` to your Slack user id "
    "(e.g. `OPSBOT_ADMINS=U0123ABCD`, or a user group `S…`) and restart opsbot."
)


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
        self._warned = False

    @property
    def configured(self) -> bool:
        """Tell whether OPSBOT_ADMINS names anyone."""
        return bool(self._user_ids) or self._group_id is not None

    def warn_if_unconfigured(self) -> None:
        """Log, once per process, that nobody can change configuration and how to fix it."""
        if not self.configured and not self._warned:
            self._warned = True
            log.warning("%s", NO_ADMINS_HINT.replace("`", ""))

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
            if not self.configured:
                self.warn_if_unconfigured()
                raise NotAllowed(f"Only opsbot admins can {action}. {NO_ADMINS_HINT}")
            raise NotAllowed(
                f"Only opsbot admins can {action}. Ask one of them, or see /opsbot help."
            )
