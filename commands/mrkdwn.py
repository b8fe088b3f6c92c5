"""Escaping of user text for Slack mrkdwn, so it can never form a mention or a link."""

from __future__ import annotations

import re

from storage.text import clean_text

# An entity cut in half (`&am`) would show as text, or swallow what follows it.
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` (Slack's rule), which neutralises `<!channel>` and `<@U…>`."""
    cleaned = clean_text(text)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, marking the cut.

    For user text shown as mrkdwn use `escape_clip`: clipping before escaping lets the
    escaped text grow past the limit (each `&` becomes five characters).
    """
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def clip_mrkdwn(text: str, limit: int) -> str:
    """Shorten mrkdwn that is already escaped to at most `limit` characters.

    The cut never splits an entity such as `&amp;`, nor leaves a mention or link the bot
    wrote (`<@U…>`, `<url|label>`) open: a partial one is dropped whole.
    """
    if len(text) <= limit:
        return text
    kept = _PARTIAL_ENTITY.sub("", text[: max(0, limit - 1)])
    opened = kept.rfind("<")
    if opened > kept.rfind(">"):
        kept = kept[:opened]
    return kept + ELLIPSIS


def escape_clip(text: str, limit: int) -> str:
    """Escape `text`, then shorten the result to at most `limit` characters.

    Clip after escaping, never before: each `&`, `<` or `>` grows by three or four
    characters, so text clipped first can still break Slack's limits once escaped.
    """
    return clip_mrkdwn(escape(text), limit)


_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def user_mention(user_id: str | None, fallback: str | None = None) -> str:
    """Return `<@U…>` for a well-formed Slack user id, else the escaped fallback name.

    Only an id of Slack's own shape becomes a mention: stored or typed text never does.
    """
    if user_id and _SLACK_USER_ID.match(user_id):
        return f"<@{user_id}>"
    return escape_clip(fallback or user_id or "someone", 200)
