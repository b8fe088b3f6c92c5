"""Text at the storage edge: control characters never reach a database, on any backend.

PostgreSQL refuses NUL in text (`psycopg.DataError`), SQLite stores it, and no control
character means anything in what opsbot keeps. Rather than trusting every write and every
query to clean its strings, the engine cleans each string parameter of each statement
(and each string inside JSON values) just before the driver sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# C0 controls except tab, newline and carriage return, plus DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop C0 control characters (tab, newline and carriage return stay) and DEL."""
    # isprintable() is a fast C check that most strings pass; only the rest pay the regex.
    if text.isprintable():
        return text
    return _CONTROL.sub("", text)


def clean_value(value: Any) -> Any:
    """Return `value` with every string in it (nested in lists, tuples, dicts) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        cleaned = [clean_value(item) for item in value]
        return cleaned if isinstance(value, list) else tuple(cleaned)
    return value


def json_dumps_clean(value: Any) -> str:
    """Serialise a JSON column's value with its strings cleaned (the engine's serializer)."""
    return json.dumps(clean_value(value))


def _dirty(text: str) -> bool:
    return not text.isprintable() and _CONTROL.search(text) is not None


def _has_control(parameters: Any) -> bool:
    """Tell whether any string parameter carries a control character.

    Flat loops over the shapes drivers get (a dict or tuple per row, a list of them for
    executemany): a 200k-row KPI import pays one type check per value, no recursion.
    """
    rows = parameters if isinstance(parameters, list) else (parameters,)
    for row in rows:
        if isinstance(row, dict):
            values: Any = row.values()
        else:
            values = row if isinstance(row, list | tuple) else (row,)
        for value in values:
            kind = type(value)
            if kind is str:
                if _dirty(value):
                    return True
            elif kind in (list, tuple, dict) and _has_nested_control(value):
                return True
    return False


def _has_nested_control(value: Any) -> bool:
    if isinstance(value, str):
        return _dirty(value)
    if isinstance(value, dict):
        return any(_has_nested_control(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nested_control(item) for item in value)
    return False


def _clean_parameters(
    _conn: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> tuple[str, Any]:
    # Rebuilt only when something needs cleaning: the common case costs one scan.
    if _has_control(parameters):
        parameters = clean_value(parameters)
    return statement, parameters


def guard_text(engine: Engine) -> None:
    """Make `engine` strip control characters from every string it sends to the database."""
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
