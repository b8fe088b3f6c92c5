"""Read agent assessment CSV files: every row validated, the first problem stops the file.

Columns (any order, a header line first): `date, vendor, assessment, agent, score, passed`.
`agent` is a pseudonymous id; `score` is 0–100; `passed` is true or false.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

COLUMNS = ("date", "vendor", "assessment", "agent", "score", "passed")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCORE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,6})?$")  # ASCII digits only


class AssessmentInputError(Exception):
    """A row cannot be imported; the message names the file, line and column."""

    def __init__(self, source: str, line: int, column: int, problem: str) -> None:
        super().__init__(f"{source}:{line}:{column}: {problem}")


@dataclass(frozen=True)
class AssessmentRow:
    """One validated result."""

    day: date
    vendor: str
    assessment: str
    agent: str
    score: float
    passed: bool


def read_assessment_csv(path: Path) -> list[AssessmentRow]:
    """Validate every line of `path`."""
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise AssessmentInputError(source, 0, 0, f"cannot open: {exc.strerror or exc}") from None
    rows: list[AssessmentRow] = []
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise AssessmentInputError(
                source, 1, 1, "empty file (a header line is needed)"
            ) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise AssessmentInputError(source, 1, 1, f"not a CSV file: {exc}") from None
        for index, name in enumerate(header):
            if name not in COLUMNS or header.index(name) != index:
                problem = "repeated" if name in COLUMNS else "not a column I know"
                raise AssessmentInputError(
                    source, 1, index + 1, f"{name!r} is {problem} (columns: {', '.join(COLUMNS)})"
                )
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise AssessmentInputError(source, 1, 1, f"missing column(s): {', '.join(missing)}")
        at = {name: header.index(name) for name in COLUMNS}
        try:
            for cells in reader:
                line = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) != len(header):
                    raise AssessmentInputError(
                        source,
                        line,
                        min(len(cells), len(header)) + 1,
                        f"{len(cells)} cells, the header has {len(header)}",
                    )
                rows.append(_row(cells, at, source, line))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise AssessmentInputError(
                source, reader.line_num, 1, f"malformed CSV: {exc}"
            ) from None
    return rows


def _row(cells: list[str], at: dict[str, int], source: str, line: int) -> AssessmentRow:
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
