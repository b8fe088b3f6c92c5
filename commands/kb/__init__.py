"""`/kb`: the knowledge base — ranked full-text search, articles, versions, reviews due."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.kb.handlers import handle_kb
from commands.kb.service import KB_USAGE

FAMILY = CommandFamily(
    command="/kb",
    summary="Knowledge base: search articles, read one, see what changed, reviews due.",
    usage=tuple(KB_USAGE.splitlines()),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/kb` handler."""
    app.command(FAMILY.command)(handle_kb)
