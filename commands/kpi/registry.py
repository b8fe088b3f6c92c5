"""The KPI registry: each KPI is a ratio of sums of base measures, defined as data.

Built-ins (DESIGN.md):

* ``incoming`` — Total incoming = Σ incoming
* ``manual_incoming`` — Manual incoming = Σ manual_incoming
* ``solved`` — Total solved = Σ solved
* ``manual_solved`` — Manual solved = Σ manual_solved
* ``aht`` — AHT, average handle time = Σ handle_seconds / Σ handled (shown m:ss)
* ``aas`` — AAS, average age at solve = Σ solve_age_seconds / Σ solved (shown in hours)
* ``automation`` — Automation rate = 1 − Σ manual_solved / Σ solved (shown in %)

``OPSBOT_METRICS_FILE`` (TOML) redefines or adds KPIs, one table per key::

    [kpi.aas]
    label = "AAS (business)"
    numerator = ["solve_age_seconds"]
    denominator = ["manual_solved"]
    unit = "hours"          # count | duration (m:ss) | hours | percent
    target = 24             # in the unit shown: hours, seconds, percent points or count
    direction = "lower"     # lower | higher is better
    one_minus = false       # value = 1 - numerator / denominator
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from storage.kpi import MEASURES

Unit = Literal["count", "duration", "hours", "percent"]
Direction = Literal["higher", "lower"]
_UNITS: tuple[str, ...] = ("count", "duration", "hours", "percent")


class MetricsFileError(Exception):
    """The metrics file cannot be used; the message names the file and the KPI."""


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI: Σ numerator (/ Σ denominator), optionally 1 − that, with its presentation."""

    key: str
    label: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    one_minus: bool = False
    unit: Unit = "count"
    target: float | None = None  # in the unit shown
    direction: Direction = "higher"

    @property
    def is_ratio(self) -> bool:
        """Tell whether the KPI divides by a denominator."""
        return bool(self.denominator)

    def value(self, sums: Mapping[str, float | None]) -> float | None:
        """Compute the KPI from summed measures; None when the data is absent."""
        num = _total(sums, self.numerator)
        if num is None:
            return None
        if not self.denominator:
            return 1.0 - num if self.one_minus else num
        den = _total(sums, self.denominator)
        if not den:
            return None
        ratio = num / den
        return 1.0 - ratio if self.one_minus else ratio

    def target_value(self) -> float | None:
        """Return the target in stored units (seconds, fraction) for comparisons."""
        if self.target is None:
            return None
        if self.unit == "hours":
            return self.target * 3600.0
        if self.unit == "percent":
            return self.target / 100.0
        return self.target


def _total(sums: Mapping[str, float | None], names: Sequence[str]) -> float | None:
    present = [sums[n] for n in names if sums.get(n) is not None]
    return float(sum(present)) if present else None  # type: ignore[arg-type]


BUILT_IN: tuple[KpiDefinition, ...] = (
    KpiDefinition("incoming", "Total incoming", ("incoming",)),
    KpiDefinition("manual_incoming", "Manual incoming", ("manual_incoming",), direction="lower"),
    KpiDefinition("solved", "Total solved", ("solved",)),
    KpiDefinition("manual_solved", "Manual solved", ("manual_solved",)),
    KpiDefinition(
        "aht", "AHT", ("handle_seconds",), ("handled",), unit="duration", direction="lower"
    ),
    KpiDefinition(
        "aas",
        "AAS",
        ("solve_age_seconds",),
        ("solved",),
        unit="hours",
        target=24.0,
        direction="lower",
    ),
    KpiDefinition(
        "automation",
        "Automation rate",
        ("manual_solved",),
        ("solved",),
        one_minus=True,
        unit="percent",
        target=60.0,
    ),
)


@dataclass(frozen=True)
class KpiRegistry:
    """The KPIs in display order."""

    kpis: tuple[KpiDefinition, ...]

    def get(self, key: str) -> KpiDefinition | None:
        """Return the KPI with `key` (case-insensitive), if any."""
        wanted = key.lower().replace("-", "_")
        return next((k for k in self.kpis if k.key == wanted), None)

    @property
    def keys(self) -> tuple[str, ...]:
        """Return every KPI key in display order."""
        return tuple(k.key for k in self.kpis)


def load_registry(metrics_file: str | None) -> KpiRegistry:
    """Return the built-ins, redefined or extended by `metrics_file` when given."""
    kpis = {k.key: k for k in BUILT_IN}
    if metrics_file:
        for kpi in _read_metrics_file(Path(metrics_file)):
            kpis[kpi.key] = kpi
    return KpiRegistry(kpis=tuple(kpis.values()))


def _read_metrics_file(path: Path) -> list[KpiDefinition]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MetricsFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MetricsFileError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("kpi")
    if not isinstance(table, dict):
        raise MetricsFileError(f"{path}: expected [kpi.NAME] tables")
    return [_definition(path, str(key), spec) for key, spec in table.items()]


def _definition(path: Path, key: str, spec: object) -> KpiDefinition:
    def bad(problem: str) -> MetricsFileError:
        return MetricsFileError(f"{path}: KPI {key!r}: {problem}")

    if not isinstance(spec, dict):
        raise bad("must be a table")
    known = {"label", "numerator", "denominator", "one_minus", "unit", "target", "direction"}
    if extra := sorted(set(spec) - known):
        raise bad(f"unknown field(s) {', '.join(extra)}")
    base = next((k for k in BUILT_IN if k.key == key), None)
    numerator = _measures(spec.get("numerator", base.numerator if base else None), bad, "numerator")
    if not numerator:
        raise bad("numerator is required (a list of base measures)")
    default_den = base.denominator if base and "numerator" not in spec else ()
    denominator = _measures(spec.get("denominator", default_den), bad, "denominator")
    unit = spec.get("unit", base.unit if base else "count")
    if unit not in _UNITS:
        raise bad(f"unit must be one of {', '.join(_UNITS)}")
    direction = spec.get("direction", base.direction if base else "higher")
    if direction not in ("higher", "lower"):
        raise bad("direction must be higher or lower")
    target = spec.get("target", base.target if base else None)
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
        raise bad("target must be a number")
    one_minus = spec.get("one_minus", base.one_minus if base and "numerator" not in spec else False)
    if not isinstance(one_minus, bool):
        raise bad("one_minus must be true or false")
    label = spec.get("label", base.label if base else key.replace("_", " ").capitalize())
    if not isinstance(label, str) or not label.strip():
        raise bad("label must be a non-empty string")
    definition = KpiDefinition(
        key=key,
        label=label,
        numerator=numerator,
        denominator=denominator,
        one_minus=one_minus,
        unit=unit,
        target=None if target is None else float(target),
        direction=direction,
    )
    return replace(definition)


def _measures(value: object, bad: object, name: str) -> tuple[str, ...]:
    assert callable(bad)
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise bad(f"{name} must be a list of base measure names")
    unknown = [v for v in value if v not in MEASURES]
    if unknown:
        raise bad(f"{name}: unknown measure(s) {', '.join(unknown)}; known: {', '.join(MEASURES)}")
    return tuple(value)
