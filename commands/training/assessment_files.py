"""Read agent assessment CSV files: every row validated, every bad one reported.

Columns (any order, a header line first): `date, vendor, assessment, agent, score, passed`.
`agent` is a pseudonymous id; `score` is 0–100; `passed` is true or false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from integrations.csv_rows import RowError, RowProblems, read_csv_rows

COLUMNS = ("date", "vendor", "assessment", "agent", "score", "passed")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCORE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,6})?$")  # ASCII digits only


class AssessmentInputError(RowError):
    """A row cannot be imported; the message names the file, line and column."""


@dataclass(frozen=True)
class AssessmentRow:
    """One validated result."""

    day: date
    vendor: str
    assessment: str
    agent: str
    score: float
    passed: bool


class AssessmentReader:
    """Check the header once, then turn each line into an AssessmentRow or a located error."""

    def __init__(self, source: str, columns: list[str]) -> None:
        self.source = source
        header = [h.strip().lower() for h in columns]
        for index, name in enumerate(header):
            if name not in COLUMNS or header.index(name) != index:
                problem = "repeated" if name in COLUMNS else "not a column I know"
                raise AssessmentInputError(
                    source, 1, index + 1, f"{name!r} is {problem} (columns: {', '.join(COLUMNS)})"
                )
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise AssessmentInputError(source, 1, 1, f"missing column(s): {', '.join(missing)}")
        self.at = {name: header.index(name) for name in COLUMNS}
        self.rows: list[AssessmentRow] = []

    def add_cells(self, cells: Sequence[str], line: int) -> AssessmentRow:
        """Validate one line and keep it."""
        row = _row(cells, self.at, self.source, line)
        self.rows.append(row)
        return row


def read_assessment_files(paths: Sequence[Path]) -> list[AssessmentRow]:
    """Validate every line of every file; raise BadRows naming each bad file, line and column."""
    readers: list[AssessmentReader] = []

    def start(source: str, header: list[str]) -> AssessmentReader:
        readers.append(AssessmentReader(source, header))
        return readers[-1]

    problems = RowProblems()
    for path in paths:
        read_csv_rows(path, start, problems=problems)
    problems.check()
    return [row for reader in readers for row in reader.rows]


def validate_assessment_records(
    records: Sequence[Mapping[str, object]], *, source: str
) -> list[AssessmentRow]:
    """Validate JSON rows like CSV lines (row N is reported as line N + 1); raise BadRows."""
    if not records:
        return []
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(str(k) for k in record))
    problems = RowProblems()
    try:
        reader = AssessmentReader(source, list(columns))
    except RowError as error:
        problems.add(error)
        problems.check()
    names = list(columns)
    for line, record in enumerate(records, start=2):
        try:
            reader.add_cells([_cell(record.get(name)) for name in names], line)
        except RowError as error:
            problems.add(error)
    problems.check()
    return reader.rows


def _cell(value: object) -> str:
    # JSON true/false and numbers read as their CSV spellings; a missing value is empty.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def read_assessment_csv(path: Path) -> list[AssessmentRow]:
    """Validate every line of `path`."""
    return read_assessment_files([path])


def _row(cells: Sequence[str], at: dict[str, int], source: str, line: int) -> AssessmentRow:
    def cell(name: str) -> str:
        return cells[at[name]].strip()

    def fail(name: str, problem: str) -> AssessmentInputError:
        return AssessmentInputError(source, line, at[name] + 1, problem)

    try:
        day = date.fromisoformat(cell("date"))
    except ValueError:
        raise fail("date", f"date {cell('date')[:20]!r} is not YYYY-MM-DD") from None
    vendor = cell("vendor").lower()
    if not _SLUG.match(vendor):
        raise fail("vendor", "vendor must be a vendor slug such as acme")
    assessment = " ".join(cell("assessment").split())
    if not assessment or len(assessment) > 100 or _CONTROL.search(assessment):
        raise fail("assessment", "assessment must be a name of 1 to 100 characters")
    agent = cell("agent")
    if "@" in agent:
        raise fail("agent", "agent must be a pseudonymous id, not an e-mail address")
    if not _AGENT.match(agent):
        raise fail("agent", "agent must be a pseudonymous id (letters, digits, . _ : -)")
    if not _SCORE.match(cell("score")):
        raise fail("score", f"score {cell('score')[:20]!r} is not a number such as 87.5")
    score = float(cell("score"))
    if not 0 <= score <= 100:
        raise fail("score", "score must be from 0 to 100")
    passed_text = cell("passed").lower()
    if passed_text not in ("true", "false"):
        raise fail("passed", "passed must be true or false")
    return AssessmentRow(day, vendor, assessment, agent, score, passed_text == "true")
