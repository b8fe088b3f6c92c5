"""Link previews' settings: which URLs are ours to unfurl."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinksConfig:
    """The settings this family reads, fixed when the runtime is built."""

    jira_url: str | None
    public_url: str | None
