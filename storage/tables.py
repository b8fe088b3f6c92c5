"""Import every table module so that `SQLModel.metadata` knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from storage import audit, request_keys

TABLE_MODULES = (audit, request_keys)
metadata = SQLModel.metadata
