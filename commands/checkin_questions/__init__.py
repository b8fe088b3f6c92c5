"""Two-way check-ins: questions DMed to a vendor's counterparts, answers in the digest."""

from __future__ import annotations

from typing import Any

from commands.checkin_questions import handlers
from commands.checkin_questions.views import OPEN_ACTION, SUBMIT_CALLBACK

# `/checkin questions|answers` belong to /checkin (declared by the check-ins family); this
# package's listener is registered first and matches only these two forms.
FAMILIES: tuple[Any, ...] = ()


def register(app: Any) -> None:
    """Attach the two `/checkin` forms, the Answer button and its modal."""
    app.command("/checkin", matchers=[handlers.is_questions_command])(
        handlers.handle_checkin_questions
    )
    app.action(OPEN_ACTION)(handlers.open_answer)
    app.view(SUBMIT_CALLBACK)(handlers.submit_answer)
