"""Read KPI CSV files into validated batches, every bad row reported (`integrations.csv_rows`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from integrations.csv_rows import RowProblems, read_csv_rows
from integrations.kpi_sources.records import KpiBatch, KpiInputError, RecordReader


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


@dataclass
class PlainCsv:
    """A KPI CSV file split for the server-side fast path: its checked header, then its body."""

    reader: RecordReader  # knows the columns and parses the time cells
    body: bytes  # every line after the header, as the file has them


def plain_kpi_csv(path: Path, *, timezone: str) -> PlainCsv | None:
    """Split `path` into header and body when its header is plainly clean, else None.

    Plainly clean: UTF-8, one unquoted line the reader accepts. Anything else (including a
    file that cannot be read) is left to `read_kpi_csv`, which reports it.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    end = data.find(b"\n")
    head = data[: end + 1] if end >= 0 else b""
    try:
        header = head.decode("utf-8-sig").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    if not header or any(c in header for c in '"\r'):
        return None
    try:
        reader = RecordReader(str(path), header.split(","), timezone=timezone)
    except KpiInputError:
        return None
    return PlainCsv(reader=reader, body=data[end + 1 :])
