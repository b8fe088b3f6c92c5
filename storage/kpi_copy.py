"""PostgreSQL fast path of a KPI CSV import: the file's text COPYed, checked and cast in SQL.

Building a Python object per row cost more than the whole write (issue 13). Here the body
of a file goes to the server as it is, into a text-typed staging table, and one query both
checks every line and lists the distinct times and slices. Only those few distinct values
come back to Python. The checks are stricter than the row-by-row reader's, never looser:
a file with anything unusual (a quote, a number written `1e3`, a value with spaces round
it, a duplicate key, text PostgreSQL cannot cast) is handed back, and the caller reads it
row by row, which reports bad rows with their exact line and column or accepts them. So the
fast path changes the speed only: the same rows are stored, and the same messages shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import Connection

from storage.kpi import DIMENSIONS, MEASURES
from storage.kpi_write import finish_write, upsert_changed

Period = tuple[str, datetime, date]  # granularity, period start (aware UTC), day
# Whatever str.strip removes: a value with one of these at either end is left to the reader.
_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_EDGE_SPACE = f"^[{_WHITESPACE}]|[{_WHITESPACE}]$"
_PLAIN_NUMBER = r"^[0-9]+(\.[0-9]+)?$"
_MAX_VALUE_LENGTH = 64
# Parts that can never exceed their whole (the reader's rule).
_PARTS = (("manual_incoming", "incoming"), ("manual_solved", "solved"))
_COPY_CHUNK = 1 << 20


@dataclass
class CopiedFile:
    """What one file's fast path wrote."""

    rows: int = 0
    changed: int = 0
    periods: set[tuple[str, datetime]] = field(default_factory=set)
    slices: set[tuple[str, ...]] = field(default_factory=set)


def copy_csv_facts(
    connection: Connection,
    *,
    body: bytes,
    columns: Sequence[str],
    time_column: str,
    periods: Callable[[Sequence[str]], Mapping[str, Period] | None],
) -> CopiedFile | None:
    """Write the CSV `body` (the lines after the header) if every line is plainly clean.

    `columns` are the header's checked names in file order; `periods` turns each distinct
    time text into its period, or returns None when one does not parse. Returns None,
    having written nothing, when the file must be read row by row instead.
    """
    expected = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if not _eligible(connection, body, columns):
        return None
    savepoint = connection.begin_nested()
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        copied = _copy(cursor, body, columns, time_column, expected, periods)
    except psycopg.Error:
        # Not castable, a duplicate key, bad UTF-8, a ragged line: the reader says which.
        copied = None
    finally:
        cursor.close()
    if copied is None:
        savepoint.rollback()
        return None
    result, days = copied
    finish_write(connection, changed=result.changed, days=days, slices=result.slices)
    savepoint.commit()
    return result


def _eligible(connection: Connection, body: bytes, columns: Sequence[str]) -> bool:
    if connection.dialect.name != "postgresql" or len(columns) < 2 or not body.strip():
        return False
    # Quotes change where cells end; `\.` alone on a line ends COPY's input early.
    if b'"' in body or b"\\." in body:
        return False
    encodings = connection.exec_driver_sql(
        "SELECT current_setting('server_encoding'), current_setting('client_encoding')"
    ).one()
    return tuple(encodings) == ("UTF8", "UTF8")


def _copy(
    cursor: Any,
    body: bytes,
    columns: Sequence[str],
    time_column: str,
    expected: int,
    periods: Callable[[Sequence[str]], Mapping[str, Period] | None],
) -> tuple[CopiedFile, set[tuple[str, date]]] | None:
    cells = [f"c{i}" for i in range(len(columns))]
    at = dict(zip(columns, cells, strict=True))
    cursor.execute("DROP TABLE IF EXISTS pg_temp.kpi_csv_text, pg_temp.kpi_csv_period")
    cursor.execute(
        "CREATE TEMP TABLE kpi_csv_text ("
        + ", ".join(f"{c} text" for c in cells)
        + ") ON COMMIT DROP"
    )
    with cursor.copy(f"COPY kpi_csv_text ({', '.join(cells)}) FROM STDIN (FORMAT CSV)") as copy:
        view = memoryview(body)
        for offset in range(0, len(body), _COPY_CHUNK):
            copy.write(view[offset : offset + _COPY_CHUNK])
    if cursor.rowcount != expected:  # a blank line or a lone carriage return
        return None
    dims = [f"coalesce({at[d]}, '')" if d in at else "''" for d in DIMENSIONS]
    cursor.execute(
        _check_sql(at, time_column, dims),
        {"number": _PLAIN_NUMBER, "edge": _EDGE_SPACE, "longest": _MAX_VALUE_LENGTH},
    )
    times: dict[str, bool] = {}
    result = CopiedFile(rows=expected)
    for t, clean, is_slice, *slice_dims in cursor.fetchall():
        if is_slice:
            result.slices.add(tuple(slice_dims))
        else:
            times[t] = clean
    if not all(times.values()):
        return None
    found = periods(sorted(times))
    if found is None:
        return None
    result.periods = {(g, start) for g, start, _ in found.values()}
    cursor.execute(
        "CREATE TEMP TABLE kpi_csv_period (t text PRIMARY KEY, granularity text, "
        "period_start timestamptz, day date) ON COMMIT DROP"
    )
    with cursor.copy("COPY kpi_csv_period FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "text", "timestamptz", "date"])
        for t, (g, start, day) in found.items():
            copy.write_row((t, g, start, day))
    measures = [f"{at[m]}::float8" if m in at else "NULL::float8" for m in MEASURES]
    result.changed, days = upsert_changed(
        cursor,
        "SELECT p.granularity, p.period_start, "  # noqa: S608 (our own column names only)
        + ", ".join(dims)
        + ", p.day, "
        + ", ".join(measures)
        + f" FROM kpi_csv_text r JOIN kpi_csv_period p ON p.t = coalesce(r.{at[time_column]}, '')"
        " WHERE true",
    )
    cursor.execute("DROP TABLE pg_temp.kpi_csv_text, pg_temp.kpi_csv_period")
    return result, days


def _check_sql(at: Mapping[str, str], time_column: str, dims: Sequence[str]) -> str:
    """One scan: is each time's every line plainly clean, and which slices are there."""
    checks = [f"({at[m]} IS NULL OR {at[m]} ~ %(number)s)" for m in MEASURES if m in at]
    checks += [
        f"({at[d]} IS NULL OR (length({at[d]}) <= %(longest)s AND {at[d]} !~ %(edge)s))"
        for d in DIMENSIONS
        if d in at
    ]
    parts = [
        f"({at[p]} IS NULL OR {at[w]} IS NULL OR {at[p]}::float8 <= {at[w]}::float8)"
        for p, w in _PARTS
        if p in at and w in at
    ]
    # CASE, not AND: a cast must only see text the pattern has already accepted.
    clean = f"CASE WHEN {' AND '.join(checks) or 'true'} THEN {' AND '.join(parts) or 'true'} "
    clean += "ELSE false END"
    names = [f"d{i}" for i in range(len(dims))]
    return (
        f"SELECT t, bool_and(clean), GROUPING(t) = 1, {', '.join(names)} FROM ("  # noqa: S608
        f"SELECT coalesce({at[time_column]}, '') AS t, "
        + ", ".join(f"{d} AS {n}" for d, n in zip(dims, names, strict=True))
        + f", {clean} AS clean FROM kpi_csv_text) AS checked "
        f"GROUP BY GROUPING SETS ((t), ({', '.join(names)}))"
    )
