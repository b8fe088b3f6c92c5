"""`/opsbot`: help, listing every registered command family."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandCatalog, CommandFamily
from commands.errors import UsageError
from commands.help.views import render_help
from commands.mrkdwn import escape_clip
from commands.permissions import PERMISSIONS
from commands.rules import handle_rule_command
from commands.slash_text import tokenize
from commands.vendors import VENDOR_USAGE, handle_vendor_command

FAMILY = CommandFamily(
    command="/opsbot",
    summary="What this bot can do.",
    usage=(
        "/opsbot help",
        "/opsbot help COMMAND",
        '/opsbot rule add "KPI [dim:value …] > THRESHOLD for N days" SEV   (admins)',
        "/opsbot rule list   (admins)",
        "/opsbot rule remove ID   (admins)",
        *VENDOR_USAGE,
    ),
    # Every rule form is for admins (rules name vendors; commands/permissions.py), and so are
    # the vendor registry's changes.
    admin_only=(
        *(f"rule {form}" for form in PERMISSIONS[("rules", "manage")].forms),
        *(f"vendor {verb}" for verb in ("add", "rename", "alias", "bind", "unbind")),
    ),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/opsbot` handler."""
    app.command(FAMILY.command)(handle_opsbot)


async def handle_opsbot(
    ack: Any, command: dict[str, Any], catalog: CommandCatalog, context: Any
) -> None:
    """Answer `/opsbot [help [COMMAND]]` ephemerally."""
    words = tokenize(command.get("text", ""))
    if words and words[0].lower() == "rule":  # KPI rules live in commands/rules/
        return await handle_rule_command(ack, command, context)
    if words and words[0].lower() == "vendor":  # the vendor registry lives in commands/vendors/
        return await handle_vendor_command(ack, command, context)
    if not words or words[0].lower() == "help":
        topic = words[1] if len(words) > 1 else None
        await ack(**render_help(catalog, topic=topic))
        return
    raise UsageError(
        f"`/opsbot {escape_clip(words[0], 40)}` is not a command I know.",
        usage="\n".join(FAMILY.usage),
    )
