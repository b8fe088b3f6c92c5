"""Assessment figures: pass rate, mean and spread by vendor and assessment, period on period."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from commands.errors import UsageError
from commands.mrkdwn import escape_clip
from commands.scope import ChannelScope
from commands.training.assessment_files import AssessmentRow
from commands.training.service import TRAINING_USAGE
from storage.assessments import AgentAssessment, assessments_between, replace_assessments
from storage.vendors import vendor_by_slug_or_name

_DAYS = re.compile(r"^([1-9][0-9]{0,2})d$")
PERIODS = {"week": 7, "month": 30, "quarter": 91}
DEFAULT_DAYS = 28


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
    *, session: Session, scope: ChannelScope, request: ScoresRequest, today: date
) -> tuple[date, date, list[ScoreLine]]:
    """Return the period (ending today) and one line per vendor and assessment in it."""
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
    return start, end, lines
