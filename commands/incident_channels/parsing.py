"""A SEV1 channel's name, and the responders setting. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME_MAX = 80  # Slack's channel name limit
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def channel_name(key: str, title: str, *, suffix: str = "") -> str:
    """Return `esc-<key>-<slug>` in Slack's channel alphabet, within 80 characters."""
    stem = f"esc-{_NOT_NAME.sub('-', key.lower()).strip('-')}"
    slug = _NOT_NAME.sub("-", title.lower()).strip("-")
    room = NAME_MAX - len(stem) - len(suffix) - 1
    slug = slug[: max(0, room)].rstrip("-")
    return f"{stem}-{slug}{suffix}" if slug else f"{stem}{suffix}"


@dataclass(frozen=True)
class Responders:
    """Who joins every SEV1 channel: user ids and user groups (OPSBOT_SEV1_RESPONDERS)."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def parse_responders(text: str) -> Responders:
    """Read `U…,W…,S…` (anything else is ignored, as the setting is checked at start)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return Responders(
        users=tuple(p for p in parts if re.fullmatch(r"[UW][A-Z0-9]{2,20}", p)),
        groups=tuple(p for p in parts if re.fullmatch(r"S[A-Z0-9]{2,20}", p)),
    )
