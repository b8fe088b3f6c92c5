"""Recent /kpi snapshots, keyed by the KPI data version so any import invalidates them.

A snapshot is a pure function of the period, its comparison, the filters, the registry and
the stored facts and spikes; the data version (bumped in the same transaction as every fact
or spike write, by any process) stands for the last. Re-asking the same question between
imports — the common case in a busy channel — costs one primary-key read. The data's extent
(stored granularity, last complete day), which fits every request's periods, is likewise a
function of the stored facts, so it is kept per version too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import KpiRequest, Period, fit_to_data
from commands.kpi.registry import KpiRegistry
from commands.kpi.snapshot import KpiLine, Snapshot, build_snapshot
from storage.kpi_queries import complete_through, stored_granularity
from storage.kpi_version import kpi_version

_Key = tuple[int, Period, Period, tuple[tuple[str, tuple[str, ...]], ...]]
_Entry = tuple[tuple[KpiLine, ...], date | None]


class SnapshotCache:
    """Build snapshots through a small LRU keyed by (data version, periods, filters)."""

    def __init__(self, registry: KpiRegistry, *, max_entries: int = 256) -> None:
        self._registry = registry
        self._max_entries = max_entries
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        # (version, last complete day): only the newest version is ever asked about again.
        self._extent: tuple[int, date | None] | None = None

    def fit(self, *, session: Session, request: KpiRequest) -> KpiRequest:
        """Fit the request's periods to the stored data (`fit_request`), read once per version."""
        version = kpi_version(session.connection())
        extent = self._extent
        if extent is None or extent[0] != version:
            granularity = stored_granularity(session)
            extent = (version, complete_through(session, granularity) if granularity else None)
            self._extent = extent  # one tuple assignment: atomic, no lock needed
        return fit_to_data(request, extent[1])

    def snapshot(self, *, session: Session, request: KpiRequest, filters: Filters) -> Snapshot:
        """Return the snapshot for `request` and `filters`, computed at most once per version."""
        key: _Key = (
            kpi_version(session.connection()),
            request.period,
            request.compare,
            tuple(sorted((name, tuple(values)) for name, values in filters.items())),
        )
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            built = build_snapshot(
                session=session, request=request, filters=filters, registry=self._registry
            )
            entry = (built.lines, built.data_through)
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
        lines, through = entry
        return Snapshot(request=request, filters=filters, lines=lines, data_through=through)
