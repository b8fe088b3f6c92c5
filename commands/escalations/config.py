"""The escalation family's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commands.escalations.model import PolicyAreas


@dataclass(frozen=True)
class EscalationConfig:
    """The settings this family reads, fixed when the runtime is built."""

    areas: PolicyAreas  # OPSBOT_POLICY_AREAS
    project: str  # JIRA_ESCALATION_PROJECT
    channel_id: str | None  # OPSBOT_ESCALATION_CHANNEL: unset = reply in place
    issue_type: str = "Task"
    root_cause_field: str | None = None
    components_by_area: Mapping[str, list[str]] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)
