"""Read a KPI rule: `AHT vendor:acme > 9m for 2 days` plus a severity `sev3`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commands.kpi.registry import KpiRegistry
from commands.mrkdwn import escape_clip
from commands.slash_text import parse_count
from integrations.errors import UsageError
from storage.kpi import DIMENSIONS

RULE_USAGE = '/opsbot rule add "AHT vendor:acme > 9m for 2 days" sev3'
ASSESSMENT_RULE_USAGE = '/opsbot rule add "pass_rate vendor:acme < 85% for 2 weeks"'
# Agent assessments' pass rate: a rule on it opens an action item, not an escalation.
ASSESSMENT_RULE_KPI = "pass_rate"
RULE_REMOVE_USAGE = "/opsbot rule remove ID   (the ID from /opsbot rule list)"
# ASCII digits only, and few enough that float() stays exact and finite.
_THRESHOLD = re.compile(r"^(?P<n>[0-9]{1,12}(?:\.[0-9]{1,6})?)(?P<unit>s|m|h|%)?$", re.IGNORECASE)
_SEV = re.compile(r"^sev([1-4])$", re.IGNORECASE)
_OPS = (">=", "<=", ">", "<")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class RuleSpec:
    """A parsed rule, the threshold in the KPI's stored unit."""

    text: str
    kpi: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    op: str = ">"
    threshold: float = 0.0
    days: int = 1
    severity: int = 3


def _bad(why: str) -> UsageError:
    return UsageError(why, usage=RULE_USAGE)


def parse_rule(text: str, severity_word: str | None, registry: KpiRegistry) -> RuleSpec:
    """Parse the quoted condition and the severity; every mistake names itself."""
    words = text.replace(">=", " >= ").replace("<=", " <= ").split()
    words = [w for part in words for w in _split_op(part)]
    op_at = next((i for i, w in enumerate(words) if w in _OPS), None)
    if op_at is None or op_at == 0:
        raise _bad("A rule needs a KPI, a comparison (> >= < <=) and a threshold.")
    head, tail = words[:op_at], words[op_at + 1 :]
    kpi_words = [w for w in head if ":" not in w]
    if [w.lower() for w in kpi_words] == [ASSESSMENT_RULE_KPI]:
        return parse_pass_rate_rule(text, head, words[op_at], tail, severity_word)
    kpi = registry.get(kpi_words[0]) if len(kpi_words) == 1 else None
    if kpi is None:
        known = ", ".join(registry.keys)
        raise _bad(f"Name one KPI before the comparison. KPIs: {known}.")
    filters = _filters(head)
    if not tail:
        raise _bad("Give a threshold after the comparison, e.g. `9m`, `85%`, `120`.")
    return RuleSpec(
        text=text.strip()[:500],
        kpi=kpi.key,
        filters=filters,
        op=words[op_at],
        threshold=_threshold(tail[0]),
        days=_days([w.lower() for w in tail[1:]]),
        severity=_severity(severity_word),
    )


def _filters(head: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for word in head:
        if ":" in word:
            name, _, value = word.partition(":")
            if name.lower() not in DIMENSIONS or not value:
                raise _bad(
                    f"`{escape_clip(name, 20)}:` is not a dimension; use {', '.join(DIMENSIONS)}."
                )
            filters.setdefault(name.lower(), []).append(value)
    return filters


def _threshold(word: str) -> float:
    """Read `9m`, `90s`, `85%` or `120` in the KPI's stored unit (seconds, a fraction)."""
    match = _THRESHOLD.match(word)
    if match is None:
        shown = escape_clip(word, 20)
        raise _bad(f"`{shown}` is not a threshold; try `9m`, `90s`, `85%`, `120`.")
    number: float = float(match["n"])
    unit = str(match["unit"] or "").lower()
    if unit == "%":
        return number / 100.0
    return number * _UNIT_SECONDS[unit] if unit in _UNIT_SECONDS else number


def _days(rest: list[str]) -> int:
    """Read what follows the threshold: nothing (one day) or `for N days`."""
    if not rest:
        return 1
    if len(rest) != 3 or rest[0] != "for" or rest[2] not in ("day", "days"):
        raise _bad("After the threshold only `for N days` may follow.")
    return parse_count(rest[1], "`for N days`: N", 1, 31, usage=RULE_USAGE)


def _severity(word: str | None) -> int:
    if word is None:
        return 3
    sev = _SEV.match(word)
    if sev is None:
        raise _bad("Severity is sev1, sev2, sev3 or sev4.")
    return int(sev[1])


def parse_pass_rate_rule(
    text: str, head: list[str], op: str, tail: list[str], severity_word: str | None
) -> RuleSpec:
    """Parse `pass_rate vendor:acme < 85% [for N days|weeks]` (every assessment together)."""

    def bad(why: str) -> UsageError:
        return UsageError(why, usage=ASSESSMENT_RULE_USAGE)

    filters: dict[str, list[str]] = {}
    for word in (w for w in head if ":" in w):
        name, _, value = word.partition(":")
        if name.lower() != "vendor" or not value:
            raise bad(f"`{escape_clip(name, 20)}:` is not a filter of pass_rate; use vendor:.")
        filters.setdefault(name.lower(), []).append(value)
    if len(filters.get("vendor", [])) != 1:
        raise bad("A pass_rate rule names one vendor, e.g. `vendor:acme`.")
    if severity_word is not None:
        raise bad("A pass_rate rule opens an action item for the vendor; it takes no severity.")
    match = _THRESHOLD.match(tail[0]) if tail else None
    if match is None or match["unit"] != "%" or float(match["n"]) > 100:
        raise bad("Give the pass rate as a percentage from 0 to 100, e.g. `85%`.")
    rest = [w.lower() for w in tail[1:]]
    days = 1
    if rest:
        units = {"day": 1, "days": 1, "week": 7, "weeks": 7}
        if len(rest) != 3 or rest[0] != "for" or rest[2] not in units:
            raise bad("After the threshold only `for N days` or `for N weeks` may follow.")
        days = (
            parse_count(rest[1], "`for N`: N", 1, 31, usage=ASSESSMENT_RULE_USAGE) * units[rest[2]]
        )
    return RuleSpec(
        text=text.strip()[:500],
        kpi=ASSESSMENT_RULE_KPI,
        filters=filters,
        op=op,
        threshold=float(match["n"]) / 100.0,
        days=days,
    )


def _split_op(word: str) -> list[str]:
    for op in (">", "<"):
        if op in word and word not in _OPS:
            left, _, right = word.partition(op)
            return [w for w in (left, op, right) if w]
    return [word]
