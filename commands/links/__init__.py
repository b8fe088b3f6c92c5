"""Link previews: issue links unfurl as cards, and `@opsbot KEY` answers with one in thread."""

from __future__ import annotations

from typing import Any

from commands.links import handlers

# Events only: link_shared and app_mention (declared in slack-manifest.yml).
FAMILIES: tuple[Any, ...] = ()


def register(app: Any) -> None:
    """Attach the link_shared and app_mention events."""
    app.event("link_shared")(handlers.link_shared)
    app.event("app_mention")(handlers.app_mention)
