"""Assessment figures: pass rate, mean and spread by vendor and assessment, period on period."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from math import nan

from sqlmodel import Session

from commands.kpi.spikes import Finding, SpikeParams, detect
from commands.mrkdwn import escape_clip
from commands.scope import ChannelScope
from commands.training.assessment_files import AssessmentRow
from commands.training.service import TRAINING_USAGE
from integrations.errors import UsageError
from storage.assessments import (
    AgentAssessment,
    assessments_between,
    daily_pass_counts,
    replace_assessments,
)
from storage.vendors import vendor_by_slug_or_name

_DAYS = re.compile(r"^([1-9][0-9]{0,2})d$")
PERIODS = {"week": 7, "month": 30, "quarter": 91}
DEFAULT_DAYS = 28
# A day's pass rate counts for the spike detector from this many results (a KPI needs 50).
MARKER_MIN_RESULTS = 5


@dataclass(frozen=True)
class Figures:
    """Aggregates of one group's results in one period (agents only counted)."""

    results: int
    agents: int
    pass_rate: float  # 0–1
    mean: float
    spread: float  # population standard deviation of scores


@dataclass(frozen=True)
class ScoreLine:
    """One vendor and assessment: this period, and the one before it when there was data."""

    vendor: str
    assessment: str
    current: Figures
    previous: Figures | None
    # The KPI detector's latest spike or drift of the daily pass rate within the period.
    marker: Finding | None = None


@dataclass(frozen=True)
class ScoresRequest:
    """What `/training scores` was asked."""

    days: int
    vendor: str | None
    assessment: str | None


def import_rows(*, session: Session, rows: list[AssessmentRow], now: datetime) -> tuple[int, int]:
    """Store validated rows (a repeated key in the input keeps its last row); (stored, replaced)."""
    latest: dict[tuple[date, str, str, str], AssessmentRow] = {}
    for row in rows:
        latest[(row.day, row.vendor, row.assessment, row.agent)] = row
    stored = [
        AgentAssessment(
            day=r.day,
            vendor_slug=r.vendor,
            assessment=r.assessment,
            agent=r.agent,
            score=r.score,
            passed=r.passed,
            imported_at=now,
        )
        for r in latest.values()
    ]
    return len(stored), replace_assessments(session, stored)


def parse_scores_text(words: list[str], options: dict[str, str]) -> ScoresRequest:
    """Read `[vendor:…] [assessment:…] [week|month|quarter|Nd]`."""
    unknown = sorted(set(options) - {"vendor", "assessment"})
    if unknown or len(words) > 1:
        raise UsageError("Give `vendor:`, `assessment:` and one period.", usage=TRAINING_USAGE)
    days = DEFAULT_DAYS
    if words:
        word = words[0].lower()
        match = _DAYS.match(word)
        if word in PERIODS:
            days = PERIODS[word]
        elif match:
            days = int(match.group(1))
        else:
            raise UsageError(
                f"`{escape_clip(words[0], 20)}` is not a period (week, month, quarter, 28d).",
                usage=TRAINING_USAGE,
            )
    return ScoresRequest(days, options.get("vendor"), options.get("assessment"))


def figures(rows: list[AgentAssessment]) -> Figures:
    """Aggregate a group's rows."""
    scores = [r.score for r in rows]
    return Figures(
        results=len(rows),
        agents=len({r.agent for r in rows}),
        pass_rate=sum(1 for r in rows if r.passed) / len(rows),
        mean=statistics.fmean(scores),
        spread=statistics.pstdev(scores),
    )


def score_lines(
    *,
    session: Session,
    scope: ChannelScope,
    request: ScoresRequest,
    today: date,
    detector: SpikeParams | None = None,
) -> tuple[date, date, list[ScoreLine]]:
    """Return the period (ending today) and one line per vendor and assessment in it.

    Given `detector`, each line carries the KPI spike detector's marker for its daily pass
    rate (the same `commands.kpi.spikes.detect`, fed the days' result counts as volume).
    """
    end = today
    start = end - timedelta(days=request.days - 1)
    previous_start = start - timedelta(days=request.days)
    vendors: list[str] | None = None
    if request.vendor:
        # Results may name a vendor the registry does not know yet: then the slug as typed.
        known = vendor_by_slug_or_name(session, request.vendor)
        vendors = scope.restrict([known.slug if known else request.vendor.strip().lower()])
    elif scope.vendor is not None:
        vendors = [scope.vendor.slug]
    assessment = " ".join(request.assessment.split()) if request.assessment else None
    rows = assessments_between(
        session, start=previous_start, end=end, vendor_slugs=vendors, assessment=assessment
    )
    now_groups: dict[tuple[str, str], list[AgentAssessment]] = defaultdict(list)
    before_groups: dict[tuple[str, str], list[AgentAssessment]] = defaultdict(list)
    for row in rows:
        target = now_groups if row.day >= start else before_groups
        target[(row.vendor_slug, row.assessment)].append(row)
    lines = [
        ScoreLine(
            vendor=vendor,
            assessment=name,
            current=figures(group),
            previous=figures(before_groups[(vendor, name)])
            if before_groups.get((vendor, name))
            else None,
        )
        for (vendor, name), group in sorted(now_groups.items())
    ]
    if detector is not None and lines:
        found = pass_rate_markers(
            session, vendors=vendors, assessment=assessment, start=start, end=end, params=detector
        )
        lines = [replace(line, marker=found.get((line.vendor, line.assessment))) for line in lines]
    return start, end, lines


def assessment_detector(kpi_params: SpikeParams) -> SpikeParams:
    """Return the KPI detector's thresholds, with the volume a day's pass rate needs."""
    return replace(kpi_params, min_volume=MARKER_MIN_RESULTS)


def pass_rate_markers(
    session: Session,
    *,
    vendors: list[str] | None,
    assessment: str | None,
    start: date,
    end: date,
    params: SpikeParams,
) -> dict[tuple[str, str], Finding]:
    """Return the latest spike or drift of each group's daily pass rate from `start` to `end`."""
    first = start - timedelta(days=7 * params.weeks + params.history_days)
    days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    rates: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    counts = daily_pass_counts(
        session, start=first, end=end, vendor_slugs=vendors, assessment=assessment
    )
    for vendor, name, day, results, passed in counts:
        values, volume = rates.setdefault((vendor, name), ([nan] * len(days), [0.0] * len(days)))
        values[index[day]] = 100.0 * passed / results
        volume[index[day]] = float(results)
    markers: dict[tuple[str, str], Finding] = {}
    for key, (values, volume) in rates.items():
        findings = detect(days, values, params=params, volume=volume, since=start)
        if findings:
            markers[key] = findings[-1]
    return markers
