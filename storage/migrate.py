"""Apply and inspect Alembic migrations programmatically."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:  # Alembic is imported only when there is migrating to do (start-up cost)
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.M)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def file_heads() -> set[str]:
    """Return the heads of the revision files, read as text (no Alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text()
        if (revision := _REVISION.search(source)) is None:
            continue
        revisions.add(revision.group(1))
        if (down := _DOWN.search(source)) is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return revisions - parents


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at exactly the files' heads (the common case at start-up)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        applied = {
            row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))
        }
    return applied == file_heads()


def upgrade_database(engine: Engine) -> None:
    """Apply every pending migration (all feature branches: `heads`)."""
    if is_up_to_date(engine):
        return
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def pending_heads(engine: Engine) -> set[str]:
    """Return the migration heads not yet applied; empty means up to date."""
    if is_up_to_date(engine):
        return set()
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    wanted = set(ScriptDirectory.from_config(_config()).get_heads())
    with engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    script = ScriptDirectory.from_config(_config())
    reached: set[str] = set()
    for head in applied:
        reached.update(rev.revision for rev in script.iterate_revisions(head, "base"))
    return wanted - reached
