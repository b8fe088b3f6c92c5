"""Read case CSV files into one validated batch, every bad row reported (`csv_rows`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from integrations.case_sources.records import CaseBatch, CaseReader
from integrations.csv_rows import RowProblems, read_csv_rows


def read_case_files(paths: Sequence[Path]) -> CaseBatch:
    """Validate every line of every file; raise BadRows naming each bad file, line and column."""
    batch = CaseBatch()
    problems = RowProblems()
    for path in paths:
        read_csv_rows(
            path, lambda source, header: CaseReader(source, header, batch), problems=problems
        )
    problems.check()
    return batch
