"""App Home: a personal tab with my escalations, action items, initiatives and the KPI week."""

from __future__ import annotations

from typing import Any

from commands.home import handlers
from commands.home.views import (
    ACK_ESCALATION,
    ACTION_DONE,
    ACTION_MODAL,
    ADD_ACTION,
    FILE_ESCALATION,
    OPEN_LINK,
    SUGGEST,
    SUGGEST_MODAL,
)

# No slash command of its own: the home is reached from the app's tab in Slack.
FAMILIES: tuple[Any, ...] = ()


def register(app: Any) -> None:
    """Attach the app_home_opened event, the home's buttons and its two modals."""
    app.event("app_home_opened")(handlers.home_opened)
    app.action(FILE_ESCALATION)(handlers.open_filing)
    app.action(ADD_ACTION)(handlers.open_action_modal)
    app.action(SUGGEST)(handlers.open_suggest_modal)
    app.action(ACK_ESCALATION)(handlers.acknowledge)
    app.action(ACTION_DONE)(handlers.action_done)
    app.action(OPEN_LINK)(handlers.link_clicked)
    app.view(ACTION_MODAL)(handlers.submit_action)
    app.view(SUGGEST_MODAL)(handlers.submit_suggestion)
