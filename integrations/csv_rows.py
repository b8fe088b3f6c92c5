"""Read CSV files row by row for every importer (KPIs, cases, assessments).

Every bad row is collected, not just the first: a team fixing a file wants all its problems
at once. Each names `file:line:column` and what was wrong; the first `limit` are kept and the
rest counted. Importers write nothing while any row is bad (`RowProblems.check`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

DEFAULT_LIMIT = 50


class RowError(Exception):
    """One row (or header) cannot be accepted; the message names the source, line and column."""

    def __init__(self, source: str, line: int, column: int, problem: str) -> None:
        super().__init__(f"{source}:{line}:{column}: {problem}")
        self.source, self.line, self.column, self.problem = source, line, column, problem


class BadRows(Exception):
    """Some rows were bad: the first few problems, and how many there were in all."""

    def __init__(self, shown: Sequence[RowError], total: int) -> None:
        self.shown, self.total = tuple(shown), total
        lines = [str(error) for error in self.shown]
        if total > len(self.shown):
            lines.append(f"and {total - len(self.shown):,} more")
        if total > 1:
            lines.insert(0, f"{total:,} bad rows; nothing was imported:")
        super().__init__("\n".join(lines))


class RowProblems:
    """Collects the row errors of one import, across all its files."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.shown: list[RowError] = []
        self.total = 0

    def add(self, error: RowError) -> None:
        """Count `error`, keeping its text while fewer than `limit` are kept."""
        self.total += 1
        if len(self.shown) < self.limit:
            self.shown.append(error)

    def check(self) -> None:
        """Raise BadRows when any row was bad."""
        if self.total:
            raise BadRows(self.shown, self.total)


class RowSink(Protocol):
    """What an importer gives the reader for one file: it validates and keeps each row."""

    def add_cells(self, cells: Sequence[str], line: int) -> object:
        """Validate one row's cells; raise a RowError naming the column when one is bad."""


def read_csv_rows(
    path: Path,
    start: Callable[[str, list[str]], RowSink],
    *,
    problems: RowProblems,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Feed every row of `path` to the sink `start(source, header)` builds, collecting errors.

    A header the importer refuses, or text that is not CSV, stops this file (its later lines
    cannot be read reliably); a bad row only counts, and reading goes on.
    """
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        problems.add(RowError(source, 0, 0, f"cannot open: {exc.strerror or exc}"))
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
            sink = start(source, header)
        except StopIteration:
            problems.add(RowError(source, 1, 1, "empty file (a header line is needed)"))
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.add(RowError(source, 1, 1, f"not a CSV file: {exc}"))
            return
        except RowError as error:
            problems.add(error)
            return
        width = len(header)
        try:
            for cells in reader:
                line = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) != width:
                    column = min(len(cells), width) + 1
                    problems.add(
                        RowError(
                            source, line, column, f"{len(cells)} cells, the header has {width}"
                        )
                    )
                    continue
                try:
                    sink.add_cells(cells, line)
                except RowError as error:
                    problems.add(error)
                if progress is not None and line % 10_000 == 0:
                    progress(line)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.add(RowError(source, reader.line_num, 1, f"malformed CSV: {exc}"))
