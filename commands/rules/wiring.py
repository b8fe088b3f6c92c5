"""Wire KPI rules into a runtime: checked right after every KPI import, and swept on a schedule."""

from __future__ import annotations

from typing import Any

from commands.rules.jobs import RuleSweep


def install_rules(runtime: Any) -> RuleSweep:
    """Add the after-import check and the sweep (needs the escalation desk and KPI registry).

    The sweep is put on the scheduler by bot/runtime.py when this process runs one.
    """
    rules = RuleSweep(runtime, runtime.rules_config)
    runtime.rule_sweep = rules
    runtime.kpi_import_hooks.append(rules.check)
    runtime.recurring_work.append(rules.recurring())
    return rules
