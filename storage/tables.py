"""Import every table module so that `SQLModel.metadata` knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from storage import (
    actions,
    audit,
    checkins,
    escalations,
    initiatives,
    kpi,
    local_tracker,
    outbox,
    request_keys,
    routing,
    routing_suggestions,
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
    checkins,
    actions,
    escalations,
    outbox,
    local_tracker,
    initiatives,
    suggestions,
    rules,
    summary,
    routing,
    routing_suggestions,
)
metadata = SQLModel.metadata
