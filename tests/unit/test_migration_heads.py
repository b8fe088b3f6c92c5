"""The start-up fast path reads the migration heads from the files as Alembic does."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from storage.migrate import _config, file_heads, is_up_to_date, pending_heads


def test_file_heads_are_alembics_heads() -> None:
    assert file_heads() == set(ScriptDirectory.from_config(_config()).get_heads())


def test_a_migrated_database_is_up_to_date(engine: Engine) -> None:
    assert is_up_to_date(engine)
    assert pending_heads(engine) == set()
