"""Wire link previews into a runtime: the settings that say which URLs are ours."""

from __future__ import annotations

from typing import Any

from commands.links.config import LinksConfig


def install_links(runtime: Any) -> None:
    """Add the family's config (context name `links_config`)."""
    runtime.links_config = LinksConfig.from_settings(runtime.settings)
