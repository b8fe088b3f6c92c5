"""The answers of `/opsbot rule …`: mrkdwn, rule text escaped."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import escape
from commands.rules.parsing import ASSESSMENT_RULE_KPI
from storage.rules import KpiRule


def outcome(rule: KpiRule) -> str:
    """What a breach of `rule` opens: an action item for assessments, else an escalation."""
    if rule.kpi == ASSESSMENT_RULE_KPI:
        return "action item"
    return f"SEV{rule.severity} escalation"


def render_added(rule: KpiRule, *, opened: str | None, checked: bool) -> dict[str, Any]:
    """Return the answer to `rule add`, with what the data so far says."""
    text = f"Rule #{rule.id} added: `{escape(rule.text)}` → {outcome(rule)}."
    if opened:
        text += f"\nIt is breached already: I opened {escape(opened)}."
    elif checked:
        text += "\nChecked against the data so far: not breached (or already reported)."
    return _note(text)


def render_rules(rules: list[KpiRule]) -> dict[str, Any]:
    """Return the answer to `rule list`."""
    lines = [f"#{r.id} `{escape(r.text)}` → {outcome(r)}" for r in rules]
    return _note("\n".join(["*KPI rules*", *lines]) if lines else "No KPI rules yet.")


def render_removed(rule: KpiRule) -> dict[str, Any]:
    """Return the answer to `rule remove`."""
    return _note(f"Rule #{rule.id} removed.")


def _note(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}
