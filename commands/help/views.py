"""Block Kit for `/opsbot help`."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandCatalog
from commands.mrkdwn import clip, escape_clip
from integrations.errors import UsageError


def render_help(catalog: CommandCatalog, *, topic: str | None = None) -> dict[str, Any]:
    """Render every family's usage, or one family's when `topic` names it."""
    families = catalog.families
    if topic is not None:
        found = catalog.find(topic)
        if found is None:
            known = ", ".join(f.command for f in catalog.families)
            raise UsageError(f"There is no command `{escape_clip(topic, 40)}`. Commands: {known}")
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
