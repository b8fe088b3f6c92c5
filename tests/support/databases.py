"""Throw-away databases: a file per test on SQLite, a fresh database per test on PostgreSQL.

Migrating once per run into a template and copying it per test keeps the suite fast on both
backends while every test still starts from the real migrated schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from storage.engine import make_engine
from storage.migrate import upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def _server_url() -> URL:
    return make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")


def _admin_execute(statement: str) -> None:
    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


@contextmanager
def migrated_template(backend: str, directory: Path) -> Iterator[str]:
    """Create a migrated template database for this run; yield its name or file path."""
    if backend == "sqlite":
        path = directory / "template.db"
        _migrate(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"opsbot_tpl_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        _migrate(_server_url().set(database=name).render_as_string(hide_password=False))
        yield name
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, tmp_path: Path, *, template: str | None = None) -> Iterator[str]:
    """Yield the URL of a database of its own (a copy of `template`, or empty); drop it after."""
    if backend == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)
        path = tmp_path / "opsbot-test.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"opsbot_t_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    _admin_execute(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield _server_url().set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
