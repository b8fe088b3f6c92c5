"""Validation of one customer case (a CSV line or a Salesforce record) into a CaseRecord."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from integrations.csv_rows import RowError
from storage.routing import CASE_COLUMNS as CASE_COLUMNS

REQUIRED_COLUMNS = ("case_id", "created_at", "reason", "initial_queue", "final_queue")
OPTIONAL_COLUMNS = tuple(c for c in CASE_COLUMNS if c not in REQUIRED_COLUMNS)
# Everything but the count and the times.
TEXT_COLUMNS = tuple(c for c in CASE_COLUMNS if c != "transfers" and not c.endswith("_at"))
MAX_TEXT = {"reason": 120, "initial_queue": 80, "final_queue": 80}
DEFAULT_MAX_TEXT = 64
MAX_TRANSFERS = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CaseInputError(RowError):
    """A case could not be accepted; the message names the source, line and column."""


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One customer case: where it was routed first, where it ended, and its times."""

    case_id: str
    created_at: datetime  # aware UTC
    reason: str
    initial_queue: str
    final_queue: str
    channel: str | None = None
    transfers: int | None = None
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    vendor: str | None = None
    country: str | None = None
    language: str | None = None

    @property
    def misrouted(self) -> bool:
        """Tell whether the case ended in another queue than the one it was routed to."""
        return self.final_queue != self.initial_queue

    @property
    def solve_hours(self) -> float | None:
        """Return the age at solve in hours, or None for an unsolved case."""
        if self.solved_at is None:
            return None
        return (self.solved_at - self.created_at).total_seconds() / 3600

    @property
    def first_response_hours(self) -> float | None:
        """Return the delay to the first response in hours, or None when unknown."""
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds() / 3600


@dataclass
class CaseBatch:
    """Validated cases of one or more sources, keyed by case id."""

    cases: dict[str, CaseRecord] = field(default_factory=dict)
    # case id → source index << 32 | line: one int per case, not a string, for large files.
    origin: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def where(self, origin: int) -> str:
        """Return "file:line" for an `origin` value."""
        return f"{self.sources[origin >> 32]}:{origin & 0xFFFFFFFF}"


class CaseReader:
    """Check the columns once, then turn each record into a CaseRecord or a located error."""

    def __init__(self, source: str, columns: Sequence[str], batch: CaseBatch) -> None:
        self.source = source
        self.columns = [c.strip() for c in columns]
        self.batch = batch
        self.position = {name: i + 1 for i, name in enumerate(self.columns)}
        for name in self.columns:
            if name not in CASE_COLUMNS:
                raise CaseInputError(
                    source,
                    1,
                    self.position[name],
                    f"unknown column {name!r}; known: " + ", ".join(CASE_COLUMNS),
                )
        if len(set(self.columns)) != len(self.columns):
            dup = next(c for c in self.columns if self.columns.count(c) > 1)
            raise CaseInputError(source, 1, self.columns.index(dup) + 2, f"column {dup!r} twice")
        missing = [c for c in REQUIRED_COLUMNS if c not in self.position]
        if missing:
            raise CaseInputError(source, 1, 1, "missing column(s): " + ", ".join(missing))
        self._source_index = len(batch.sources)
        batch.sources.append(source)
        self._cells = [(name, self.position.get(name, 0) - 1) for name in TEXT_COLUMNS]

    def add_cells(self, cells: Sequence[str], line: int) -> CaseRecord:
        """Validate one CSV line (cells in header order) exactly as `add` would, faster.

        A line with no control character and no long cell is read straight from the cells;
        any other line goes through `add`, so errors and their wording stay the same.
        """
        if _CONTROL.search("".join(cells)) is not None or max(map(len, cells)) > DEFAULT_MAX_TEXT:
            return self.add(dict(zip(self.columns, cells, strict=True)), line)
        text = {name: (cells[i].strip() or None) if i >= 0 else None for name, i in self._cells}
        return self._finish(text, dict(zip(self.columns, cells, strict=True)), line)

    def add(self, record: Mapping[str, object], line: int) -> CaseRecord:
        """Validate one record and add it to the batch."""
        text = {name: self._text(record, name, line) for name in TEXT_COLUMNS}
        return self._finish(text, record, line)

    def _finish(
        self, text: Mapping[str, str | None], record: Mapping[str, object], line: int
    ) -> CaseRecord:
        for name in REQUIRED_COLUMNS:
            if name != "created_at" and not text[name]:
                raise CaseInputError(self.source, line, self._column(name), f"{name} is empty")
        created = self._time(record, "created_at", line)
        assert created is not None
        first = self._time(record, "first_response_at", line)
        solved = self._time(record, "solved_at", line)
        for name, stamp in (("first_response_at", first), ("solved_at", solved)):
            if stamp is not None and stamp < created:
                raise CaseInputError(
                    self.source, line, self._column(name), f"{name} is before created_at"
                )
        transfers = self._transfers(record, line)
        if transfers == 0 and text["initial_queue"] != text["final_queue"]:
            raise CaseInputError(
                self.source,
                line,
                self._column("transfers"),
                "transfers is 0 but final_queue differs from initial_queue",
            )
        case_id = str(text["case_id"])
        seen = self.batch.origin.get(case_id)
        if seen is not None:
            raise CaseInputError(
                self.source,
                line,
                self._column("case_id"),
                f"case {case_id!r} already given at {self.batch.where(seen)}",
            )
        case = CaseRecord(
            case_id=case_id,
            created_at=created,
            reason=str(text["reason"]),
            initial_queue=str(text["initial_queue"]),
            final_queue=str(text["final_queue"]),
            channel=text["channel"],
            transfers=transfers,
            first_response_at=first,
            solved_at=solved,
            vendor=text["vendor"],
            country=text["country"],
            language=text["language"],
        )
        self.batch.cases[case_id] = case
        self.batch.origin[case_id] = self._source_index << 32 | line
        return case

    def _column(self, name: str) -> int:
        return self.position.get(name, 1)

    def _text(self, record: Mapping[str, object], name: str, line: int) -> str | None:
        raw = record.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            return None
        if _CONTROL.search(value):
            raise CaseInputError(
                self.source, line, self._column(name), f"{name} has a control character"
            )
        limit = MAX_TEXT.get(name, DEFAULT_MAX_TEXT)
        if len(value) > limit:
            raise CaseInputError(
                self.source, line, self._column(name), f"{name} longer than {limit} characters"
            )
        return value

    def _time(self, record: Mapping[str, object], name: str, line: int) -> datetime | None:
        raw = record.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if name == "created_at":
                raise CaseInputError(self.source, line, self._column(name), "created_at is empty")
            return None
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise CaseInputError(
                self.source, line, self._column(name), f"unparseable {name} {value!r} (ISO 8601)"
            ) from None
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)

    def _transfers(self, record: Mapping[str, object], line: int) -> int | None:
        raw = record.get("transfers")
        value = "" if raw is None else str(raw).strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit()):
            raise CaseInputError(
                self.source,
                line,
                self._column("transfers"),
                f"transfers is not a whole number: {value!r}",
            )
        count = int(value)
        if count > MAX_TRANSFERS:
            raise CaseInputError(
                self.source,
                line,
                self._column("transfers"),
                f"transfers above {MAX_TRANSFERS}: {count}",
            )
        return count
