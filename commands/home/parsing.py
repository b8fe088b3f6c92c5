"""Reading the home modals' fields and the home buttons' values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from integrations.errors import NotFound


@dataclass(frozen=True)
class ActionForm:
    """The Add action item modal as submitted."""

    text: str
    owner_id: str
    due_text: str


def field_value(values: dict[str, Any], block_id: str) -> str:
    """Return a plain text input's or a users_select's value (empty when missing)."""
    element = (values.get(block_id) or {}).get("value") or {}
    found = element.get("value") or element.get("selected_user") or ""
    return str(found).strip()


def parse_action_form(values: dict[str, Any]) -> tuple[ActionForm | None, dict[str, str]]:
    """Return the form, or the errors to show under the fields that need fixing."""
    form = ActionForm(
        text=field_value(values, "text"),
        owner_id=field_value(values, "owner"),
        due_text=field_value(values, "due"),
    )
    errors = {}
    if not form.text:
        errors["text"] = "Say what needs doing."
    if not form.owner_id.startswith(("U", "W")):
        errors["owner"] = "Pick the owner."
    if not form.due_text:
        errors["due"] = "Give a due day, e.g. fri or 2026-12-24."
    return (None, errors) if errors else (form, {})


def row_id(action: dict[str, Any], what: str) -> int:
    """Return the numeric id a home button carries; anything else reads as gone."""
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 12:
        raise NotFound(f"That {what} no longer exists.")
    return int(value)


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """Return a modal's private_metadata as a dict (empty when absent or malformed)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
