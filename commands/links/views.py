"""The issue card a link preview and a mention answer show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.escalations.views import SEV_ICON, age_text
from commands.links.service import IssueCard
from commands.mrkdwn import escape, escape_clip


def _who(card: IssueCard) -> str:
    if card.assignee_id:
        return f"<@{card.assignee_id}>"
    if card.assignee_name:
        return escape_clip(card.assignee_name, 80)
    return "unassigned"


def card_line(card: IssueCard) -> str:
    """Return the card's title line: key (linked when it has a web link) and title."""
    key = escape(card.key)
    if card.url and card.url.startswith(("https://", "http://")):
        key = f"<{escape(card.url)}|{key}>"
    icon = SEV_ICON.get(card.severity or 0, "🎯")
    return f"{icon} *{key}* {escape_clip(card.title, 200)}"


def card_blocks(card: IssueCard, *, now: datetime) -> list[dict[str, Any]]:
    """Return the card: title line, then status, severity, assignee (or owner), age."""
    facts = [f"*Status:* {escape_clip(card.status, 64)}"]
    if card.severity is not None:
        facts.append(f"*Severity:* SEV{card.severity}")
    role = "Assignee" if card.kind == "escalation" else "Owner"
    facts.append(f"*{role}:* {_who(card)}")
    facts.append(f"*Age:* {age_text(card.created_at, now)}")
    if card.progress:
        facts.append(f"*Progress:* {escape(card.progress)}")
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": card_line(card)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]},
    ]


def unfurls(cards: dict[str, IssueCard], urls: dict[str, str], *, now: datetime) -> dict[str, Any]:
    """Return chat.unfurl's `unfurls`: each shared URL whose key has a card, to that card."""
    return {
        url: {"blocks": card_blocks(cards[key], now=now)}
        for url, key in urls.items()
        if key in cards
    }


def mention_answer(cards: list[IssueCard], missing: list[str], *, now: datetime) -> dict[str, Any]:
    """Return the thread reply to `@opsbot KEY…`: a card per key, and what was not found."""
    blocks: list[dict[str, Any]] = []
    for card in cards:
        blocks.extend(card_blocks(card, now=now))
    if missing:
        names = ", ".join(escape(k) for k in missing)
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"I know no {names} in this channel."},
            }
        )
    text = "; ".join(
        f"{escape(c.key)} {escape_clip(c.title, 100)} ({escape_clip(c.status, 40)})" for c in cards
    )
    return {
        "text": text or f"I know no {', '.join(escape(k) for k in missing)} in this channel.",
        "blocks": blocks,
    }
