"""Recent /kpi snapshots, keyed by the KPI data version so any import invalidates them.

A snapshot is a pure function of the period, its comparison, the filters, the registry and
the stored facts and spikes; the data version (bumped in the same transaction as every fact
or spike write, by any process) stands for the last. Re-asking the same question between
imports — the common case in a busy channel — costs one primary-key read. The data's extent
(stored granularity, last complete day), which fits every request's periods, is likewise a
function of the stored facts, so it is kept per version too.

In front of both sits the whole answer, keyed by the request as typed and the channel's
vendor scope: a repeated `/kpi week` reads the version and nothing else. A typed `vendor:`
filter is resolved through the vendor registry (names, aliases), which the KPI version does
not cover, so such requests skip that layer and only share the snapshot below it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlmodel import Session

from commands.kpi.filters import Filters, resolve_filters
from commands.kpi.grammar import KpiRequest, Period, fit_to_data
from commands.kpi.registry import KpiRegistry
from commands.kpi.snapshot import KpiLine, Snapshot, build_snapshot
from commands.scope import ChannelScope
from storage.kpi_queries import complete_through, stored_granularity
from storage.kpi_version import kpi_version

_Key = tuple[int, Period, Period, tuple[tuple[str, tuple[str, ...]], ...]]
_Entry = tuple[tuple[KpiLine, ...], date | None]
_FilterKey = tuple[tuple[str, tuple[str, ...]], ...]
# (version, scope's vendor slug, the typed request's fields).
_AnswerKey = tuple[int, str | None, tuple[object, ...]]


def _filter_key(filters: Filters | dict[str, tuple[str, ...]]) -> _FilterKey:
    return tuple(sorted((name, tuple(values)) for name, values in filters.items()))


def _request_key(request: KpiRequest) -> tuple[object, ...]:
    return (
        request.action,
        request.period,
        request.compare,
        _filter_key(request.filters),
        request.chart,
        request.kpi,
        request.compare_given,
        request.notes,
    )


class SnapshotCache:
    """Build snapshots through a small LRU keyed by (data version, periods, filters)."""

    def __init__(self, registry: KpiRegistry, *, max_entries: int = 256) -> None:
        self._registry = registry
        self._max_entries = max_entries
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._answers: OrderedDict[_AnswerKey, Snapshot] = OrderedDict()
        self._lock = threading.Lock()
        # (version, last complete day): only the newest version is ever asked about again.
        self._extent: tuple[int, date | None] | None = None

    def answer(self, *, session: Session, request: KpiRequest, scope: ChannelScope) -> Snapshot:
        """Return what `/kpi` shows for `request` as typed in `scope`: fitted, resolved, built.

        Raises what `resolve_filters` raises (an unknown value, another vendor's data); a
        refusal is never kept, so it is worked out again each time.
        """
        version = kpi_version(session.connection())
        key: _AnswerKey | None = None
        if "vendor" not in request.filters:
            key = (version, scope.vendor.slug if scope.vendor else None, _request_key(request))
            with self._lock:
                found = self._answers.get(key)
                if found is not None:
                    self._answers.move_to_end(key)
                    return found
        fitted = self._fit_at(session, request, version)
        filters = resolve_filters(session=session, filters=fitted.filters, scope=scope)
        built = self._snapshot_at(session, fitted, filters, version)
        if key is not None:
            with self._lock:
                self._answers[key] = built
                while len(self._answers) > self._max_entries:
                    self._answers.popitem(last=False)
        return built

    def fit(self, *, session: Session, request: KpiRequest) -> KpiRequest:
        """Fit the request's periods to the stored data (`fit_request`), read once per version."""
        return self._fit_at(session, request, kpi_version(session.connection()))

    def snapshot(self, *, session: Session, request: KpiRequest, filters: Filters) -> Snapshot:
        """Return the snapshot for `request` and `filters`, computed at most once per version."""
        return self._snapshot_at(session, request, filters, kpi_version(session.connection()))

    def _fit_at(self, session: Session, request: KpiRequest, version: int) -> KpiRequest:
        extent = self._extent
        if extent is None or extent[0] != version:
            granularity = stored_granularity(session)
            extent = (version, complete_through(session, granularity) if granularity else None)
            self._extent = extent  # one tuple assignment: atomic, no lock needed
        return fit_to_data(request, extent[1])

    def _snapshot_at(
        self, session: Session, request: KpiRequest, filters: Filters, version: int
    ) -> Snapshot:
        key: _Key = (version, request.period, request.compare, _filter_key(filters))
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
