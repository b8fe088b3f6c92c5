"""`/opsbot`: help, listing every registered command family."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from commands.catalog import CommandCatalog, CommandFamily
from commands.help.views import render_help
from commands.kpi.registry import KpiRegistry
from commands.mrkdwn import escape_clip
from commands.permissions import PERMISSIONS, Permissions
from commands.rules.handlers import handle_rule_command
from commands.rules.jobs import RuleSweep
from commands.slash_text import tokenize
from commands.vendors import VENDOR_USAGE, handle_vendor_command
from integrations.errors import UsageError
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory

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
        *(f"vendor {verb}" for verb in PERMISSIONS[("vendors", "manage")].forms),
    ),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/opsbot` handler."""
    app.command(FAMILY.command)(handle_opsbot)


async def handle_opsbot(
    ack: AsyncAck,
    command: dict[str, Any],
    catalog: CommandCatalog,
    sessions: SessionFactory,
    permissions: Permissions,
    directory: SlackDirectory,
    kpi_registry: KpiRegistry | None,
    rule_sweep: RuleSweep | None,
) -> None:
    """Answer `/opsbot [help [COMMAND]]` ephemerally; forward `rule …` and `vendor …`."""
    words = tokenize(command.get("text", ""))
    if words and words[0].lower() == "rule":  # KPI rules live in commands/rules/
        return await handle_rule_command(
            ack,
            command,
            sessions=sessions,
            permissions=permissions,
            registry=kpi_registry,
            rule_sweep=rule_sweep,
        )
    if words and words[0].lower() == "vendor":  # the vendor registry lives in commands/vendors/
        return await handle_vendor_command(
            ack, command, sessions=sessions, permissions=permissions, directory=directory
        )
    if not words or words[0].lower() == "help":
        topic = words[1] if len(words) > 1 else None
        await ack(**render_help(catalog, topic=topic))
        return
    raise UsageError(
        f"`/opsbot {escape_clip(words[0], 40)}` is not a command I know.",
        usage="\n".join(FAMILY.usage),
    )
