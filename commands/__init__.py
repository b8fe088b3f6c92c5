"""Command families; `register_all` attaches each one's handlers and fills the catalog."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from commands import actions as actions_family
from commands import checkin_questions as checkin_questions_family
from commands import checkins as checkins_family
from commands import escalations as escalations_family
from commands import help as help_family
from commands import home as home_family
from commands import initiatives as initiatives_family
from commands import kb as kb_family
from commands import kpi as kpi_family
from commands import links as links_family
from commands import routing as routing_family
from commands import suggestions as suggestions_family
from commands import training as training_family
from commands import vendors as vendors_family
from commands.catalog import CommandCatalog

# Each family module exposes FAMILIES (its CommandFamily entries) and register(app).
FAMILY_MODULES: tuple[ModuleType, ...] = (
    help_family,
    kpi_family,
    checkin_questions_family,  # before checkins: it takes two /checkin forms
    checkins_family,
    actions_family,
    escalations_family,
    initiatives_family,
    suggestions_family,
    vendors_family,
    kb_family,
    training_family,
    routing_family,
    home_family,
    links_family,
)


def register_all(app: Any) -> CommandCatalog:
    """Register every family on `app` and return the catalog `/opsbot help` reads."""
    catalog = CommandCatalog()
    for module in FAMILY_MODULES:
        for family in module.FAMILIES:
            catalog.add(family)
        module.register(app)
    return catalog
