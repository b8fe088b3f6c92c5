"""Escaping of user text for Slack mrkdwn, so it can never form a mention or a link."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` (Slack's rule), which neutralises `<!channel>` and `<@U…>`."""
    cleaned = _CONTROL.sub("", text)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
