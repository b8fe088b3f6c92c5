"""The routing family's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.case_sources.salesforce_pull import SalesforceConfig


@dataclass(frozen=True)
class RoutingConfig:
    """The settings this family reads, fixed when the runtime is built."""

    # None unless SALESFORCE_* name an instance or a login; kept out of logs (it holds secrets).
    salesforce: SalesforceConfig | None = field(repr=False)
    pull_minutes: int
    pull_days: int
