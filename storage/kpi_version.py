"""The KPI data version: bumped with every fact or spike write, read to key caches."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Works on SQLite (3.24+) and PostgreSQL; the row is seeded by the migration but a
# database built without it still counts from 1.
_BUMP = text(
    "INSERT INTO kpi_data_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = kpi_data_version.version + 1"
)
_READ = text("SELECT version FROM kpi_data_version WHERE id = 1")


def bump_kpi_version(connection: Connection) -> None:
    """Mark the KPI data as changed, inside the caller's transaction."""
    connection.execute(_BUMP)


def kpi_version(connection: Connection) -> int:
    """Return the current KPI data version (0 before any write)."""
    value = connection.execute(_READ).scalar()
    return int(value or 0)
