"""Import every table module so that `SQLModel.metadata` knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from storage import audit, request_keys, vendors

TABLE_MODULES = (audit, request_keys, vendors)
metadata = SQLModel.metadata
