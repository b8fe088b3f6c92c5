"""Routing's part of the runtime: its digest section."""

from __future__ import annotations

from typing import Any

from commands.routing.digest import RoutingDigestSource


def install_routing(runtime: Any) -> None:
    """Add the "routing" section to vendor check-ins and the weekly team summary."""
    runtime.services["digest_sources"].append(RoutingDigestSource())
