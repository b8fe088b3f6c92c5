"""`/suggest` grammar: usage lines and what the card's buttons and the edit modal carry."""

from __future__ import annotations

import re
from typing import Any

from commands.suggestions.service import StoryEdit, check_score

TEXT_USAGE = "/suggest TEXT"
LIST_USAGE = "/suggest list [top|new|mine]"
PROMOTE_USAGE = "/suggest promote ID [to:INIT-KEY]"
PROPOSAL_USAGE = "/suggest proposal [N]"
MAX_PROPOSAL = 20
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
EXPIRED = "This form has expired; open it again from the suggestion."


def action_value(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """Return (suggestion number, the rest of the value, channel) a button or menu carries."""
    action = body["actions"][0]
    value = str(action.get("value") or action.get("selected_option", {}).get("value") or "")
    ident, _, rest = value.partition(":")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return ident, rest, channel


def _read_number(values: dict[str, Any], block: str, errors: dict[str, str]) -> float | None:
    raw = str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()
    if not raw:
        return None
    if not _NUMBER.match(raw):
        errors[block] = "A number, please."
        return None
    return float(raw)


def read_edit(values: dict[str, Any]) -> tuple[StoryEdit | None, dict[str, str]]:
    """Read the "Edit story" modal; return the edit or per-block errors."""

    def text(block: str) -> str:
        return str(((values.get(block) or {}).get("value") or {}).get("value") or "")

    errors: dict[str, str] = {}
    numbers = {
        k: _read_number(values, k, errors) for k in ("reach", "impact", "confidence", "effort")
    }
    errors.update(check_score(**numbers))
    if errors:
        return None, errors
    edit = StoryEdit(
        role=text("role"),
        capability=text("capability"),
        benefit=text("benefit"),
        criteria=text("criteria").splitlines(),
        **numbers,
    )
    return edit, {}
