"""Databases that start with `opsbot demo`'s year of data, loaded once per run and copied.

Loading a year of KPIs (and detecting its spikes) costs seconds; the tests that read it load
the same year again and again. Each (backend, last day, escalations) is loaded once into a
template of its own, and every test gets a copy of it: still a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.family_configs import escalation_config
from bot.settings import Settings
from commands.escalations.demo import load_escalation_demo
from commands.kpi.demo_data import DemoSummary, load_kpi_demo
from commands.kpi.registry import load_registry
from commands.kpi.spikes import SpikeParams
from storage.engine import make_engine, session_factory, unit_of_work
from tests.support.databases import fresh_database


class DemoTemplates:
    """Demo-data templates of this run, each built the first time a test asks for it."""

    def __init__(self, directory: Path, migrated: dict[str, str], stack: ExitStack) -> None:
        self._directory = directory
        self._migrated = migrated
        self._stack = stack
        self._built: dict[tuple[str, date, bool], tuple[str, DemoSummary]] = {}

    def _template(self, backend: str, end: date, escalations: bool) -> tuple[str, DemoSummary]:
        key = (backend, end, escalations)
        if key not in self._built:
            place = self._directory / f"{backend}-{end}-{'esc' if escalations else 'kpi'}"
            url = self._stack.enter_context(
                fresh_database(backend, place, template=self._migrated[backend])
            )
            engine = make_engine(url)
            try:
                with unit_of_work(session_factory(engine)) as session:
                    summary = load_kpi_demo(
                        session=session, end=end, registry=load_registry(None), params=SpikeParams()
                    )
                    if escalations:
                        # Built inside a test (clean environment): the default project, as
                        # the test's own settings have it.
                        defaults = Settings(_env_file=None)  # type: ignore[call-arg]
                        load_escalation_demo(session, escalation_config(defaults))
            finally:
                engine.dispose()  # a template must have no connection left (both backends)
            # The file path on SQLite, the database's name on PostgreSQL.
            name = make_url(url).database
            assert name
            self._built[key] = (name, summary)
        return self._built[key]

    @contextmanager
    def database(
        self, backend: str, tmp_path: Path, *, end: date, escalations: bool = False
    ) -> Iterator[tuple[str, DemoSummary]]:
        """Yield the URL of a copy of the demo ending `end`, and what the loader wrote."""
        template, summary = self._template(backend, end, escalations)
        with fresh_database(backend, tmp_path, template=template) as url:
            yield url, summary
