"""Block Kit for `/opsbot help`."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandCatalog
from commands.mrkdwn import clip, escape


def render_help(catalog: CommandCatalog, *, topic: str | None = None) -> dict[str, Any]:
    """Render every family's usage, or one family's when `topic` names it."""
    families = catalog.families
    if topic is not None:
        found = catalog.find(topic)
        if found is None:
            return render_unknown(catalog, topic)
        families = [found]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "opsbot commands"}}
    ]
    lines = []
    for family in families:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": clip(
                        f"*{family.command}* — {family.summary}\n{family.usage_text()}", 3000
                    ),
                },
            }
        )
        lines.append(f"{family.command} — {family.summary}")
        lines.extend(f"  {line}" for line in family.usage)
    return {"response_type": "ephemeral", "text": "\n".join(lines), "blocks": blocks[:50]}


def render_unknown(catalog: CommandCatalog, word: str) -> dict[str, Any]:
    """Say the subcommand is unknown and show the usage."""
    known = ", ".join(f.command for f in catalog.families)
    text = f"I don't know `{escape(clip(word, 40))}`. Try `/opsbot help`. Commands: {known}"
    family = catalog.find("/opsbot")
    usage = family.usage_text() if family else ""
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{usage}"}}],
    }
