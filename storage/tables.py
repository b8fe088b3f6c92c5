"""Import every table module so that `SQLModel.metadata` knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from storage import (
    actions,
    audit,
    checkins,
    initiatives,
    kpi,
    request_keys,
    rules,
    suggestions,
    summary,
    vendors,
)

TABLE_MODULES = (
    audit,
    request_keys,
    vendors,
    kpi,
    initiatives,
    suggestions,
    rules,
    summary,
    checkins,
    actions,
)
metadata = SQLModel.metadata
