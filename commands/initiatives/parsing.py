"""`/initiative` grammar: usage lines, the `KEY VERB REST` form and the creation modal."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.initiatives.service import InitiativeInput

NEW_USAGE = "/initiative new"
LIST_USAGE = "/initiative list [mine|at-risk] [vendor:SLUG]"
KEY_USAGE = (
    "/initiative KEY",
    "/initiative KEY update TEXT",
    '/initiative KEY status "In Progress"',
    "/initiative STORY-KEY status Done",
    "/initiative KEY link ESC-123",
    '/initiative KEY child "summary"',
)
EXPIRED = "This form has expired; open it again with /initiative new."


def read_modal(values: dict[str, Any]) -> tuple[InitiativeInput | None, dict[str, str]]:
    """Read the modal's state; return the input or per-block errors."""

    def value(block: str) -> Any:
        return (values.get(block) or {}).get("value") or {}

    title = str(value("title").get("value") or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the initiative a title."
    raw_date = value("target").get("selected_date")
    target: date | None = None
    if raw_date:
        try:
            target = date.fromisoformat(str(raw_date))
        except ValueError:
            errors["target"] = "Pick a date."
    if errors:
        return None, errors
    stakeholders = [str(o["value"]) for o in value("stakeholders").get("selected_options") or []]
    vendors_text = str(value("vendors").get("value") or "")
    return (
        InitiativeInput(
            title=title[:255],
            goal=str(value("goal").get("value") or "").strip(),
            owner_id=value("owner").get("selected_user"),
            stakeholders=stakeholders,
            target_date=target,
            vendors=[v.strip().lower() for v in vendors_text.split(",") if v.strip()],
        ),
        {},
    )
