"""The answers of `/opsbot rule …`: mrkdwn, rule text escaped."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import escape
from storage.rules import KpiRule


def render_added(rule: KpiRule) -> dict[str, Any]:
    """Return the answer to `rule add`."""
    return _note(f"Rule #{rule.id} added: `{escape(rule.text)}` → SEV{rule.severity} escalation.")


def render_rules(rules: list[KpiRule]) -> dict[str, Any]:
    """Return the answer to `rule list`."""
    lines = [f"#{r.id} `{escape(r.text)}` → SEV{r.severity}" for r in rules]
    return _note("\n".join(["*KPI rules*", *lines]) if lines else "No KPI rules yet.")


def render_removed(rule: KpiRule) -> dict[str, Any]:
    """Return the answer to `rule remove`."""
    return _note(f"Rule #{rule.id} removed.")


def _note(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}
