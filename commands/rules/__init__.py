"""`/opsbot rule …`: admin-configured KPI rules that open escalations when they breach."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import escape
from commands.permissions import Permissions, require
from commands.rules.parsing import RULE_USAGE, parse_rule
from commands.rules.service import create_rule, describe_rules, remove_rule
from commands.slash_text import tokenize
from integrations.errors import UsageError
from storage.text import clean_text

USAGE = (RULE_USAGE, "/opsbot rule list", "/opsbot rule remove ID")


async def handle_rule_command(ack: Any, command: dict[str, Any], context: Any) -> None:
    """Answer `/opsbot rule add|list|remove` (admins only), forwarded by the help family."""
    words = tokenize(clean_text(command.get("text", "")))[1:]
    user_id = command["user_id"]
    session = context["db"]
    permissions: Permissions = context["permissions"]
    actor = await permissions.actor(session, user_id=user_id, channel_id=command.get("channel_id"))
    require(actor, "rules", "manage")  # list too: rules name vendors and thresholds
    verb = words[0].lower() if words else ""
    usage = "\n".join(USAGE)
    if verb == "add" and len(words) in (2, 3):
        registry = context.get("kpi_registry")
        if registry is None:
            raise UsageError("KPIs are not set up in this opsbot.")
        spec = parse_rule(words[1], words[2] if len(words) == 3 else None, registry)
        rule = create_rule(session=session, spec=spec, user_id=user_id)
        text = f"Rule #{rule.id} added: `{escape(rule.text)}` → SEV{rule.severity} escalation."
    elif verb == "list" and len(words) == 1:
        rules = describe_rules(session)
        lines = [f"#{r.id} `{escape(r.text)}` → SEV{r.severity}" for r in rules]
        text = "\n".join(["*KPI rules*", *lines]) if lines else "No KPI rules yet."
    elif verb == "remove" and len(words) == 2:
        rule = remove_rule(session=session, ident=words[1])
        text = f"Rule #{rule.id} removed."
    else:
        raise UsageError("That is not a rule command.", usage=usage)
    await ack(response_type="ephemeral", text=text)
