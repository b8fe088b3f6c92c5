"""`/opsbot rule add|list|remove` (admins only), forwarded by the help family."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from sqlmodel import Session

from commands.kpi.registry import KpiRegistry
from commands.permissions import Permissions, require
from commands.rules.jobs import RuleSweep
from commands.rules.parsing import RULE_USAGE, parse_rule
from commands.rules.service import create_rule, describe_rules, remove_rule
from commands.rules.views import render_added, render_removed, render_rules
from commands.slash_text import tokenize
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker
from storage.text import clean_text

USAGE = (RULE_USAGE, "/opsbot rule list", "/opsbot rule remove ID")
Work = Callable[[Session], dict[str, Any]]


async def handle_rule_command(
    ack: AsyncAck,
    command: dict[str, Any],
    *,
    sessions: SessionFactory,
    permissions: Permissions,
    registry: KpiRegistry | None,
    rule_sweep: RuleSweep | None = None,
) -> None:
    """Answer `/opsbot rule add|list|remove`; list too is for admins (rules name vendors)."""
    words = tokenize(clean_text(command.get("text", "")))[1:]
    user_id = str(command["user_id"])
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=command.get("channel_id"))
    require(actor, "rules", "manage")
    work = _rule_work(words, user_id=user_id, registry=registry, rule_sweep=rule_sweep)
    await ack(**await in_worker(sessions, work))


def _rule_work(
    words: list[str], *, user_id: str, registry: KpiRegistry | None, rule_sweep: RuleSweep | None
) -> Work:
    """Parse the rule command (on the loop) into the database work that answers it."""
    verb = words[0].lower() if words else ""
    if verb == "add" and len(words) in (2, 3):
        if registry is None:
            raise UsageError("KPIs are not set up in this opsbot.")
        spec = parse_rule(words[1], words[2] if len(words) == 3 else None, registry)

        def add(session: Session) -> dict[str, Any]:
            rule = create_rule(session=session, spec=spec, user_id=user_id)
            # A rule already breached says so at once, and opens what it calls for now.
            opened = rule_sweep.check_rule(session, rule) if rule_sweep is not None else None
            return render_added(rule, opened=opened, checked=rule_sweep is not None)

        return add
    if verb == "list" and len(words) == 1:
        return lambda session: render_rules(describe_rules(session))
    if verb == "remove" and len(words) == 2:
        return lambda session: render_removed(remove_rule(session=session, ident=words[1]))
    raise UsageError("That is not a rule command.", usage="\n".join(USAGE))
