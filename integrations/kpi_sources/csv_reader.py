"""Read KPI CSV files into validated batches, every bad row reported (`integrations.csv_rows`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from integrations.csv_rows import RowProblems, read_csv_rows
from integrations.kpi_sources.records import KpiBatch, RecordReader


def read_kpi_csv(
    path: Path,
    *,
    timezone: str,
    progress: Callable[[int], None] | None = None,
    problems: RowProblems | None = None,
) -> KpiBatch:
    """Validate every line of `path`; raise BadRows naming each bad line and column.

    Given `problems`, errors are added there instead, so one import reports all its files
    (the caller then calls `problems.check()`).
    """
    collected = problems if problems is not None else RowProblems()
    readers: list[RecordReader] = []

    def start(source: str, header: list[str]) -> RecordReader:
        readers.append(RecordReader(source, header, timezone=timezone))
        return readers[-1]

    read_csv_rows(path, start, problems=collected, progress=progress)
    if problems is None:
        collected.check()
    return readers[0].batch if readers else KpiBatch(source=str(path))
