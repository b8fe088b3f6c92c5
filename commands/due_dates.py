"""Due dates as people type them: today, tomorrow, fri, 2026-12-01, +3d, +2w."""

from __future__ import annotations

import re
from datetime import date, timedelta

from commands.mrkdwn import escape_clip
from integrations.errors import UsageError

DUE_USAGE = "due: takes today, tomorrow, a weekday (mon…sun), YYYY-MM-DD, +3d or +2w"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RELATIVE = re.compile(r"^\+(?P<n>\d{1,3})(?P<unit>[dw])$", re.ASCII)
# Far enough for any real plan; near enough that reminder arithmetic stays inside `date`.
MAX_AHEAD = timedelta(days=5 * 366)


def parse_due(text: str, *, today: date) -> date:
    """Return the day `text` names, relative to `today`; a weekday means its next occurrence."""
    word = text.strip().lower()
    if word in ("today", "tod"):
        return today
    if word in ("tomorrow", "tmr", "tom"):
        return today + timedelta(days=1)
    if word[:3] in _DAYS and _is_day_word(word):
        ahead = (_DAYS.index(word[:3]) - today.weekday()) % 7
        return today + timedelta(days=ahead)
    relative = _RELATIVE.match(word)
    if relative:
        days = int(relative["n"]) * (7 if relative["unit"] == "w" else 1)
        return today + timedelta(days=days)
    try:
        due = date.fromisoformat(word)
    except ValueError:
        shown = escape_clip(text, 40)
        raise UsageError(f"`{shown}` is not a due date I understand.", usage=DUE_USAGE) from None
    if due < today:
        raise UsageError(f"{due:%Y-%m-%d} is in the past.", usage=DUE_USAGE)
    if due > today + MAX_AHEAD:
        raise UsageError(f"{due:%Y-%m-%d} is more than five years away.", usage=DUE_USAGE)
    return due


def _is_day_word(word: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return word in _DAYS or word in full or word in ("tues", "weds", "thur", "thurs")
