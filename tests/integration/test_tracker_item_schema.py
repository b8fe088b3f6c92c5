"""The tracker-item tables as the models declare them are the tables the migrations made."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)

TABLES = ("escalation", "initiative")


def _touches(diff: Any) -> bool:
    # A diff is a tuple, or a list of tuples for one column's modifications.
    text = repr(diff)
    return any(f"'{name}'" in text or f"name='{name}'" in text for name in TABLES)


def _text_column_quirk(diff: Any) -> bool:
    """A migration's TEXT read back against SQLModel's unbounded `str` (AutoString)."""
    if not isinstance(diff, list) or len(diff) != 1:
        return False
    kind, *_rest, old, new = diff[0]
    return kind == "modify_type" and repr(old) == "TEXT()" and type(new).__name__ == "AutoString"


def test_models_match_the_migrated_tables(engine: Engine) -> None:
    """No column, type, nullability, index or unique constraint differs (alembic's view)."""
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    mine = [d for d in diffs if _touches(d) and not _text_column_quirk(d)]
    assert mine == []


def test_both_tables_keep_their_own_indexes(engine: Engine) -> None:
    """The shared columns are indexed where each table's migration indexed them."""
    inspector = inspect(engine)
    indexed = {
        table: {
            tuple(i["column_names"])
            for i in inspector.get_indexes(table)
            if not i.get("duplicates_constraint")
        }
        for table in TABLES
    }
    assert ("message_ts",) in indexed["escalation"]
    assert ("status_category",) in indexed["escalation"]
    assert ("message_ts",) not in indexed["initiative"]
    assert ("status_category",) not in indexed["initiative"]
    for table in TABLES:
        model = SQLModel.metadata.tables[table]
        assert {tuple(c.name for c in i.columns) for i in model.indexes} == indexed[table]
