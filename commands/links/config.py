"""Link previews' settings: which URLs are ours to unfurl."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LinksConfig:
    """The settings this family reads, fixed when the runtime is built."""

    jira_url: str | None
    public_url: str | None

    @classmethod
    def from_settings(cls, settings: Any) -> LinksConfig:
        """Read this family's part of the process settings."""
        return cls(
            jira_url=settings.jira_url,
            public_url=settings.opsbot_public_url,
        )
