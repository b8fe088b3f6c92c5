"""Which issue keys a shared link or a mention names: Jira browse URLs and opsbot's own links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}-[0-9]{1,7}$")
_KEY_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9/-])([A-Za-z][A-Za-z0-9_]{0,9}-[0-9]{1,7})(?![A-Za-z0-9])"
)
_MENTION = re.compile(r"<[^>]*>")  # mentions, channels and links Slack formatted
# opsbot's own pages under OPSBOT_PUBLIC_URL: /escalations/ESC-12 and /initiatives/INIT-3.
_OWN_PATHS = ("escalations", "initiatives")
MAX_KEYS = 5
MENTION_USAGE = "Mention me with an issue key, e.g. `@opsbot ESC-12`, and I answer with its card."


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url if "://" in url else f"https://{url}").hostname
    return host.lower() if host else None


def key_in_url(url: str, *, jira_url: str | None, public_url: str | None) -> str | None:
    """Return the issue key a Jira browse URL or an opsbot link names, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2:
        return None
    kind, key = segments[0].lower(), segments[1].upper()
    if host == _host(jira_url) and kind == "browse":
        return key if _KEY.match(key) else None
    if host == _host(public_url) and kind in _OWN_PATHS:
        return key if _KEY.match(key) else None
    return None


def keys_in_text(text: str) -> list[str]:
    """Return the distinct issue keys a message names (mentions and links skipped), in order."""
    plain = _MENTION.sub(" ", text)
    found: list[str] = []
    for match in _KEY_IN_TEXT.finditer(plain):
        key = match[1].upper()
        if key not in found:
            found.append(key)
    return found[:MAX_KEYS]
