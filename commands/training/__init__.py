"""`/training`: roll a knowledge-base article out to vendors' trainers and track their answers."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.training.handlers import (
    handle_answer,
    handle_question,
    handle_question_submission,
    handle_training,
)
from commands.training.service import TRAINING_USAGE
from commands.training.views import (
    ACTION_QUESTION,
    ACTION_SCHEDULED,
    ACTION_TRAINED,
    QUESTION_VIEW,
)

FAMILY = CommandFamily(
    command="/training",
    summary="Training rollouts: send an article change to vendors, see who has trained.",
    usage=tuple(TRAINING_USAGE.splitlines()),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach `/training`, the rollout card's buttons and the Question modal."""
    app.command(FAMILY.command)(handle_training)
    for action_id in (ACTION_TRAINED, ACTION_SCHEDULED):
        app.action(action_id)(handle_answer)
    app.action(ACTION_QUESTION)(handle_question)
    app.view(QUESTION_VIEW)(handle_question_submission)
