"""Validation of one KPI record (a CSV line or a JSON row) into a FactRow."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from operator import itemgetter
from zoneinfo import ZoneInfo

from integrations.csv_rows import RowError
from storage.kpi import DIMENSIONS, MEASURES
from storage.kpi_write import FactRow

TIME_COLUMNS = ("date", "hour")
KNOWN_COLUMNS = frozenset((*TIME_COLUMNS, *DIMENSIONS, *MEASURES))
_MAX_VALUE_LENGTH = 64
# Pairs where the part can never exceed the whole.
_PARTS = (("manual_incoming", "incoming"), ("manual_solved", "solved"))


class KpiInputError(RowError):
    """A record could not be accepted; the message names the source, line and column."""


@dataclass
class KpiBatch:
    """Validated rows of one source, with what they cover."""

    source: str
    rows: list[FactRow] = field(default_factory=list)
    periods: set[tuple[str, datetime]] = field(default_factory=set)
    slices: set[tuple[str, ...]] = field(default_factory=set)


class RecordReader:
    """Check the columns once, then turn each record into a FactRow or a located error."""

    def __init__(self, source: str, columns: Sequence[str], *, timezone: str) -> None:
        self.source = source
        self.columns = [c.strip() for c in columns]
        self._tz = ZoneInfo(timezone)
        self._position = {name: i + 1 for i, name in enumerate(self.columns)}
        self._seen: dict[tuple[object, ...], int] = {}
        self.batch = KpiBatch(source=source)
        for name in self.columns:
            if name not in KNOWN_COLUMNS:
                raise KpiInputError(
                    source,
                    1,
                    self._position[name],
                    f"unknown column {name!r}; known: " + ", ".join(sorted(KNOWN_COLUMNS)),
                )
        if len(set(self.columns)) != len(self.columns):
            dup = next(c for c in self.columns if self.columns.count(c) > 1)
            raise KpiInputError(source, 1, self.columns.index(dup) + 2, f"column {dup!r} twice")
        times = [c for c in self.columns if c in TIME_COLUMNS]
        if len(times) != 1:
            raise KpiInputError(source, 1, 1, "exactly one of the columns date or hour is needed")
        self.time_column = times[0]
        self.measures = [m for m in MEASURES if m in self._position]
        # For add_cells: where each part sits in a CSV line, and periods already parsed.
        self._time_cell = self._position[self.time_column] - 1
        self._dim_cells = [self._position.get(d, 0) - 1 for d in DIMENSIONS]
        self._measure_cells = [self._position.get(m, 0) - 1 for m in MEASURES]
        self._part_slots = [
            (MEASURES.index(part), MEASURES.index(whole))
            for part, whole in _PARTS
            if part in self._position and whole in self._position
        ]
        self._periods: dict[str, tuple[str, datetime, date]] = {}
        # Each part of a line is fetched in one C call; an absent dimension reads the empty
        # cell add_cells pads every line with, so files without e.g. a channel column stay fast.
        width = len(self.columns)
        self._dims_of = itemgetter(*[i if i >= 0 else width for i in self._dim_cells])
        present = [i for i in self._measure_cells if i >= 0]
        self._measure_slots = [k for k, i in enumerate(self._measure_cells) if i >= 0]
        self._all_measures = len(present) == len(MEASURES)
        self._measures_of = _getter(present)

    def add_cells(self, cells: Sequence[str], line: int) -> None:
        """Validate one CSV line (cells in header order) exactly as `add` would, faster.

        Well-formed lines are checked here without building a record; any line that
        looks wrong goes through `add`, so errors and their wording stay the same.
        """
        period = self._periods.get(cells[self._time_cell])
        if period is None:
            period = self._period({self.time_column: cells[self._time_cell]}, line)
            self._periods[cells[self._time_cell]] = period
        dims = tuple(map(str.strip, self._dims_of([*cells, ""])))
        measures: Sequence[float | None] | None
        try:
            floats = tuple(map(float, self._measures_of(cells)))
        except ValueError:  # an empty cell (absent measure) or not a number
            measures = self._fast_measures(cells)
        else:
            # sum() is NaN or inf when any value is; min() catches negatives.
            clean = not floats or (min(floats) >= 0.0 and math.isfinite(sum(floats)))
            measures = floats if self._all_measures else self._placed(floats)
            measures = measures if clean and self._parts_fit(measures) else None
        if measures is None or max(map(len, dims)) > _MAX_VALUE_LENGTH:
            self.add(dict(zip(self.columns, cells, strict=True)), line)
            return
        granularity, start, day = period
        key = (granularity, start, *dims)
        if key in self._seen:
            raise KpiInputError(
                self.source,
                line,
                self._position[self.time_column],
                f"duplicate row: same period and slice as line {self._seen[key]}",
            )
        self._seen[key] = line
        self.batch.rows.append(FactRow(granularity, start, day, dims, tuple(measures)))  # type: ignore[arg-type]
        self.batch.periods.add((granularity, start))
        self.batch.slices.add(dims)

    def _placed(self, floats: Sequence[float]) -> tuple[float | None, ...]:
        values: list[float | None] = [None] * len(MEASURES)
        for slot, value in zip(self._measure_slots, floats, strict=True):
            values[slot] = value
        return tuple(values)

    def _fast_measures(self, cells: Sequence[str]) -> tuple[float | None, ...] | None:
        """Return the measures of a clean line, or None when `add` must judge it."""
        values: list[float | None] = []
        for i in self._measure_cells:
            if i < 0:
                values.append(None)
                continue
            cell = cells[i]
            if not cell or cell.isspace():
                values.append(None)
                continue
            try:
                value = float(cell)
            except ValueError:
                return None
            if not 0.0 <= value < math.inf:  # also false for NaN
                return None
            values.append(value)
        return tuple(values) if self._parts_fit(values) else None

    def _parts_fit(self, values: Sequence[float | None]) -> bool:
        for part, whole in self._part_slots:
            p, w = values[part], values[whole]
            if p is not None and w is not None and p > w:
                return False
        return True

    def add(self, record: Mapping[str, object], line: int) -> None:
        """Validate one record and append it to the batch."""
        granularity, start, day = self._period(record, line)
        dims = tuple(self._dimension(record, name, line) for name in DIMENSIONS)
        values = {m: self._measure(record, m, line) for m in self.measures}
        for part, whole in _PARTS:
            p, w = values.get(part), values.get(whole)
            if p is not None and w is not None and p > w:
                raise KpiInputError(
                    self.source,
                    line,
                    self._position[part],
                    f"{part} ({_num(p)}) > {whole} ({_num(w)})",
                )
        key = (granularity, start, *dims)
        if key in self._seen:
            raise KpiInputError(
                self.source,
                line,
                self._position[self.time_column],
                f"duplicate row: same period and slice as line {self._seen[key]}",
            )
        self._seen[key] = line
        measures = tuple(values.get(m) for m in MEASURES)
        self.batch.rows.append(FactRow(granularity, start, day, dims, measures))  # type: ignore[arg-type]
        self.batch.periods.add((granularity, start))
        self.batch.slices.add(dims)

    def periods_of(self, texts: Iterable[str]) -> dict[str, tuple[str, datetime, date]] | None:
        """Return the period of each time cell text, or None when `add` would refuse one."""
        found: dict[str, tuple[str, datetime, date]] = {}
        for text in texts:
            try:
                found[text] = self._period({self.time_column: text}, 0)
            except KpiInputError:
                return None
        return found

    def _period(self, record: Mapping[str, object], line: int) -> tuple[str, datetime, date]:
        raw = str(record.get(self.time_column) or "").strip()
        column = self._position[self.time_column]
        if self.time_column == "date":
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise KpiInputError(
                    self.source, line, column, f"unparseable date {raw!r} (want YYYY-MM-DD)"
                ) from None
            return "day", datetime.combine(day, time(0), tzinfo=UTC), day
        try:
            stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise KpiInputError(
                self.source, line, column, f"unparseable hour {raw!r} (want ISO 8601)"
            ) from None
        stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
        if stamp.minute or stamp.second or stamp.microsecond:
            raise KpiInputError(self.source, line, column, f"hour {raw!r} is not on the hour")
        return "hour", stamp, stamp.astimezone(self._tz).date()

    def _dimension(self, record: Mapping[str, object], name: str, line: int) -> str:
        if name not in self._position:
            return ""
        value = str(record.get(name) or "").strip()
        if len(value) > _MAX_VALUE_LENGTH:
            raise KpiInputError(
                self.source, line, self._position[name], f"{name} longer than 64 characters"
            )
        return value

    def _measure(self, record: Mapping[str, object], name: str, line: int) -> float | None:
        raw = record.get(name)
        column = self._position[name]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, bool):
            raise KpiInputError(self.source, line, column, f"{name} is not a number: {raw!r}")
        try:
            value = float(raw) if isinstance(raw, (int, float)) else float(str(raw).strip())
        except ValueError:
            raise KpiInputError(
                self.source, line, column, f"{name} is not a number: {raw!r}"
            ) from None
        if not math.isfinite(value):
            raise KpiInputError(self.source, line, column, f"{name} is not finite")
        if value < 0:
            raise KpiInputError(self.source, line, column, f"negative count {name}={_num(value)}")
        return value


def _getter(indexes: Sequence[int]) -> Callable[[Sequence[str]], Sequence[str]]:
    """Return a function picking `indexes` from a line, always as a sequence."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        only = indexes[0]
        return lambda cells: (cells[only],)
    return lambda cells: ()


def _num(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
