"""Routing's part of the runtime: its digest section and the Service Cloud pull."""

from __future__ import annotations

from typing import Any

from commands.routing.config import RoutingConfig
from commands.routing.digest import RoutingDigestSource


def install_routing(runtime: Any) -> None:
    """Add the "routing" digest section and, when SALESFORCE_* is set, the scheduled case pull."""
    from commands.routing.pull import CasePullLoop

    runtime.digest_sources.append(RoutingDigestSource())
    runtime.routing_pull = None
    config: RoutingConfig = runtime.routing_config
    if config.salesforce is not None:
        loop = CasePullLoop(runtime)
        runtime.routing_pull = loop
        runtime.recurring_work.append(loop.recurring())
