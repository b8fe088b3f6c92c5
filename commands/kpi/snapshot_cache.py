"""Recent /kpi snapshots, keyed by the KPI data version so any import invalidates them.

A snapshot is a pure function of the period, its comparison, the filters, the registry and
the stored facts and spikes; the data version (bumped in the same transaction as every fact
or spike write, by any process) stands for the last. Re-asking the same question between
imports — the common case in a busy channel — costs one primary-key read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import KpiRequest, Period
from commands.kpi.registry import KpiRegistry
from commands.kpi.snapshot import KpiLine, Snapshot, build_snapshot
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
