"""Read KPI CSV files into validated batches; the first problem stops the file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from integrations.kpi_sources.records import KpiBatch, KpiInputError, RecordReader


def read_kpi_csv(
    path: Path, *, timezone: str, progress: Callable[[int], None] | None = None
) -> KpiBatch:
    """Validate every line of `path`; raise KpiInputError naming line and column."""
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise KpiInputError(source, 0, 0, f"cannot open: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise KpiInputError(source, 1, 1, "empty file (a header line is needed)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise KpiInputError(source, 1, 1, f"not a CSV file: {exc}") from None
        records = RecordReader(source, header, timezone=timezone)
        width = len(records.columns)
        try:
            for cells in reader:
                line = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) != width:
                    raise KpiInputError(
                        source,
                        line,
                        min(len(cells), width) + 1,
                        f"{len(cells)} cells, the header has {width}",
                    )
                records.add_cells(cells, line)
                if progress is not None and line % 10_000 == 0:
                    progress(line)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise KpiInputError(source, reader.line_num, 1, f"malformed CSV: {exc}") from None
    return records.batch
