"""No function in commands/ runs over 60 lines (the style rule), so each reads at a glance.

Run as a script to list the offenders: `python tests/unit/test_function_length.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIMIT = 60
COMMANDS = Path(__file__).resolve().parents[2] / "commands"


def long_functions(root: Path = COMMANDS, limit: int = LIMIT) -> list[tuple[int, str]]:
    """Return (lines, "path:line name") for every function longer than `limit`, longest first."""
    found: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # The signature counts, decorators do not: `def` line to last line.
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    where = f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"
                    found.append((lines, where))
    return sorted(found, reverse=True)


def test_no_function_in_commands_is_over_60_lines() -> None:
    assert long_functions() == []


if __name__ == "__main__":
    for lines, where in long_functions():
        print(f"{lines:4d} {where}")
