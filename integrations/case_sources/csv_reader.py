"""Read case CSV files into one validated batch; the first problem stops the whole read."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from integrations.case_sources.records import CaseBatch, CaseInputError, CaseReader


def read_case_files(paths: Sequence[Path]) -> CaseBatch:
    """Validate every line of every file; raise CaseInputError naming file, line and column."""
    batch = CaseBatch()
    for path in paths:
        _read_one(path, batch)
    return batch


def _read_one(path: Path, batch: CaseBatch) -> None:
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CaseInputError(source, 0, 0, f"cannot open: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise CaseInputError(source, 1, 1, "empty file (a header line is needed)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CaseInputError(source, 1, 1, f"not a CSV file: {exc}") from None
        cases = CaseReader(source, header, batch)
        width = len(cases.columns)
        try:
            for cells in reader:
                line = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) != width:
                    raise CaseInputError(
                        source,
                        line,
                        min(len(cells), width) + 1,
                        f"{len(cells)} cells, the header has {width}",
                    )
                cases.add_cells(cells, line)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CaseInputError(source, reader.line_num, 1, f"malformed CSV: {exc}") from None
