"""`/suggest`: process-improvement suggestions, their user stories, scores and proposals."""

from __future__ import annotations

import re
from typing import Any

from commands.suggestions.card import (
    handle_edit_button,
    handle_edit_submission,
    handle_score_menu,
    handle_upvote,
)
from commands.suggestions.handlers import ROUTER, handle_suggest

FAMILY = ROUTER.family()
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach `/suggest`, the card's buttons and the edit modal."""
    app.command(FAMILY.command)(handle_suggest)
    app.action("suggest_upvote")(handle_upvote)
    app.action("suggest_edit")(handle_edit_button)
    app.action(re.compile(r"^suggest_(impact|confidence)$"))(handle_score_menu)
    app.view("suggest_edit")(handle_edit_submission)
