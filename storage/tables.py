"""Import every table module so that `SQLModel.metadata` knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from storage import (
    actions,
    assessments,
    audit,
    checkin_questions,
    checkins,
    escalations,
    initiatives,
    kb,
    kpi,
    local_tracker,
    outbox,
    request_keys,
    routing,
    routing_suggestions,
    rules,
    scheduled_runs,
    suggestions,
    summary,
    surfaces,
    training,
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
    kb,
    training,
    routing,
    routing_suggestions,
    assessments,
    scheduled_runs,
    surfaces,
    checkin_questions,
)
metadata = SQLModel.metadata
