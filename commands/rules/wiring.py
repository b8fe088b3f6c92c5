"""Wire KPI rules into a runtime: they are checked right after every KPI import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from commands.rules.service import evaluate_rules


def install_rules(runtime: Any) -> None:
    """Add the after-import check (needs the escalation desk and the KPI registry)."""
    runtime.kpi_import_hooks.append(_rules_after_import(runtime))


def _rules_after_import(runtime: Any) -> Callable[[Session], list[str]]:
    """Return the hook that checks KPI rules right after an import stored new data."""
    desk, registry = runtime.escalations, runtime.kpi_registry
    dedupe_days = runtime.settings.opsbot_rule_dedupe_days

    def check_rules(session: Session) -> list[str]:
        return evaluate_rules(
            session=session, desk=desk, registry=registry, dedupe_days=dedupe_days
        )

    return check_rules
