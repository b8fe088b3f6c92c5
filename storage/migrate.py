"""Apply and inspect Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_database(engine: Engine) -> None:
    """Apply every pending migration (all feature branches: `heads`)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def pending_heads(engine: Engine) -> set[str]:
    """Return the migration heads not yet applied; empty means up to date."""
    wanted = set(ScriptDirectory.from_config(_config()).get_heads())
    with engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    script = ScriptDirectory.from_config(_config())
    reached: set[str] = set()
    for head in applied:
        reached.update(rev.revision for rev in script.iterate_revisions(head, "base"))
    return wanted - reached
