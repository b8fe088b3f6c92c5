"""The `/kpi` text grammar: periods, `dim:value` filters, `vs`, `chart`, `why`. Pure.

/kpi [why [KPI]] [PERIOD] [dim:value[,value…] …] [vs PERIOD] [chart]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from commands.mrkdwn import escape, escape_clip
from commands.slash_text import parse_text
from integrations.errors import UsageError
from storage.kpi import DIMENSIONS

USAGE = "\n".join(
    (
        "/kpi [PERIOD] [dim:value,… …] [vs PERIOD] [chart]",
        "/kpi why [KPI] [PERIOD] [dim:value …]",
        "/kpi help",
        "PERIOD: today | yesterday | week (7 full days to yesterday, the default) | last-week",
        "        | month (this month to date) | last-month | 28d | 2026-11-03",
        "        | 2026-11-01..2026-11-14 | w45 (ISO week of this year)",
        "dim:    queue | vendor | country | language | channel   e.g. vendor:acme,globex",
    )
)
MAX_DAYS = 366
# No KPI data is older; the floor also keeps `preceding()` (and its own preceding period,
# for comparisons) far from `date.min`, where date arithmetic overflows.
EARLIEST = date(1970, 1, 1)
Action = Literal["snapshot", "why", "help"]
# re.ASCII: `\d` would otherwise match "²" or Arabic-Indic digits too.
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$", re.ASCII)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_NDAYS = re.compile(r"^(\d{1,3})d$", re.ASCII)
_WEEK = re.compile(r"^w(\d{1,2})$", re.ASCII)
_WORDS = ("today", "yesterday", "week", "last-week", "month", "last-month", "chart", "vs", "help")


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days in OPSBOT_TIMEZONE, with how the user named it."""

    start: date
    end: date
    label: str
    # A rolling window ("week", "28d") slides back to end at the data; a calendar one is cut.
    rolling: bool = False

    @property
    def days(self) -> int:
        """Return the number of days covered."""
        return (self.end - self.start).days + 1

    def preceding(self) -> Period:
        """Return the period of equal length just before this one."""
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=self.days - 1)
        return Period(start, end, comparison_label(Period(start, end, "")))

    def span(self) -> str:
        """Return the explicit form, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class KpiRequest:
    """What the user asked for, with periods resolved against today."""

    action: Action
    period: Period
    compare: Period
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    chart: bool = False
    kpi: str | None = None
    compare_given: bool = False  # `vs PERIOD` was typed (else: the period just before)
    notes: tuple[str, ...] = ()  # what fitting to the data changed, said in the answer

    def canonical(self) -> str:
        """Return text that parses back to this request on any later day (button values)."""
        parts = [self.period.span()]
        # A default comparison stays implicit, so `/kpi why` from a button uses the same
        # baseline as the command (the seasonal one unless `vs` was given).
        if self.compare_given:
            parts += ["vs", self.compare.span()]
        parts += [f"{k}:{','.join(v)}" for k, v in self.filters.items()]
        return " ".join(parts)


def parse_kpi_text(text: str, *, today: date, kpi_keys: tuple[str, ...] = ()) -> KpiRequest:
    """Parse `/kpi` text; raise UsageError saying exactly what was not understood."""
    parsed = parse_text(text)
    words = list(parsed.words)
    action: Action = "snapshot"
    kpi: str | None = None
    if words and words[0].lower() in ("help", "why"):
        action = "help" if words.pop(0).lower() == "help" else "why"
        if action == "help":
            return KpiRequest("help", _week(today), _week(today).preceding())
        if len(words) >= 2 and _kpi_key(f"{words[0]}_{words[1]}", kpi_keys):
            kpi = _kpi_key(f"{words.pop(0)}_{words.pop(0)}", kpi_keys)  # "manual incoming"
        elif words and _kpi_key(words[0], kpi_keys):
            kpi = _kpi_key(words.pop(0), kpi_keys)
    problems: list[str] = []
    period: Period | None = None
    compare: Period | None = None
    chart = False
    index = 0
    while index < len(words):
        word = words[index].lower()
        index += 1
        if word == "chart":
            chart = True
        elif word == "vs":
            if index >= len(words):
                raise UsageError("`vs` needs a period after it, e.g. `vs last-week`.", usage=USAGE)
            compare = _period(words[index], today)
            index += 1
            if compare is None:
                problems.append(_unknown_word(words[index - 1], kpi_keys))
        elif (found := _period(word, today)) is not None:
            if period is not None:
                raise UsageError("Give one period (and optionally `vs PERIOD`).", usage=USAGE)
            period = found
        elif (named := _named_kpi(words, index - 1, kpi_keys)) is not None:
            problems.append(named[0])
            index += named[1]
        else:
            problems.append(_unknown_word(words[index - 1], kpi_keys))
    filters: dict[str, tuple[str, ...]] = {}
    for key, raw in parsed.options.items():
        if key not in DIMENSIONS:
            problems.append(_unknown_key(key))
            continue
        values = tuple(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
        if not values:
            problems.append(f"`{key}:` has no value")
            continue
        filters[key] = values
    if problems:
        raise UsageError("I did not understand: " + "; ".join(problems) + ".", usage=USAGE)
    period = period or _week(today)
    given = compare is not None
    compare = compare or period.preceding()
    return KpiRequest(action, period, compare, filters, chart, kpi, compare_given=given)


def comparison_label(period: Period) -> str:
    """Name a period by what it is: `2026-11-21`, `w44` (a whole ISO week) or its two ends."""
    if period.start == period.end:
        return period.start.isoformat()
    iso = period.start.isocalendar()
    if period.days == 7 and iso.weekday == 1:
        return f"w{iso.week}"
    return f"{period.start.isoformat()} – {period.end.isoformat()}"


def fit_to_data(request: KpiRequest, through: date | None) -> KpiRequest:
    """Keep the periods within the data and make the comparison honest; say what changed.

    A rolling window ("week", "28d") that runs past the last day of data slides back to end
    on it; a calendar period (a month, a week, a range) is cut there. The implied comparison
    follows (the period of equal length just before). A typed comparison of another length
    is kept, and its counts are scaled to the period's length (`build_snapshot`).
    """
    if through is None:
        return request
    notes: list[str] = []
    period = _fit(request.period, through)
    if period != request.period:
        shown = f"{period.start.isoformat()} – {through.isoformat()}"
        notes.append(
            f"data through {through.isoformat()}, so the {period.days} days are {shown}"
            if period.rolling
            else f"data through {through.isoformat()}, so {request.period.label} is cut to {shown}"
        )
    compare = _fit(request.compare, through) if request.compare_given else period.preceding()
    if compare.days != period.days:
        notes.append(
            f"the comparison ({compare.days} days) is not as long as the period "
            f"({period.days} days): its counts are scaled by {period.days}/{compare.days}; "
            "averages and rates are not"
        )
    overlap = (min(period.end, compare.end) - max(period.start, compare.start)).days + 1
    if overlap > 0:
        notes.append(f"the two periods share {overlap} day(s)")
    if period == request.period and compare == request.compare and not notes:
        return request
    return replace(request, period=period, compare=compare, notes=tuple(notes))


def _fit(period: Period, through: date) -> Period:
    if period.end <= through or period.start > through:
        return period  # within the data, or wholly after it ("no data" says enough)
    if period.rolling:
        shift = period.end - through
        return Period(
            period.start - shift, through, f"{period.days} days to {through}", rolling=True
        )
    return Period(period.start, through, f"{period.label} to {through}")


def _kpi_key(word: str, kpi_keys: tuple[str, ...]) -> str | None:
    wanted = word.lower().replace("-", "_")
    return wanted if wanted in kpi_keys else None


def _named_kpi(words: list[str], at: int, kpi_keys: tuple[str, ...]) -> tuple[str, int] | None:
    """Explain a KPI named where a period belongs; return the problem and the words it used.

    A snapshot shows every KPI, so a KPI's name there ("manual incoming", one word or two)
    is answered with what to type instead, not with a guess at a period.
    """
    pair = f"{words[at]}_{words[at + 1]}" if at + 1 < len(words) else ""
    key, used = (_kpi_key(pair, kpi_keys), 1) if pair else (None, 0)
    if key is None:
        key, used = _kpi_key(words[at], kpi_keys), 0
    if key is None:
        return None
    typed = escape_clip(" ".join(words[at : at + used + 1]), 40)
    return (
        f"`{typed}` is a KPI: `/kpi` shows every KPI, and `/kpi why {key}` explains this one",
        used,
    )


def _unknown_word(word: str, kpi_keys: tuple[str, ...]) -> str:
    shown = f"`{escape_clip(word, 40)}`"
    candidates = [w for w in (*_WORDS, *kpi_keys) if w != word.lower()]
    close = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return f"{shown} (did you mean `{close[0]}`?)" if close else shown


def _unknown_key(key: str) -> str:
    shown = f"`{escape_clip(key, 40)}:`"
    close = difflib.get_close_matches(key, DIMENSIONS, n=1, cutoff=0.6)
    return f"{shown} (did you mean `{close[0]}:`?)" if close else f"{shown} (not a dimension)"


def _week(today: date) -> Period:
    return Period(today - timedelta(days=7), today - timedelta(days=1), "last 7 days", rolling=True)


def _period(word: str, today: date) -> Period | None:
    """Resolve one period token, or None when the word is not a period at all."""
    word = word.lower()
    yesterday = today - timedelta(days=1)
    if word == "today":
        return Period(today, today, "today")
    if word == "yesterday":
        return Period(yesterday, yesterday, "yesterday")
    if word == "week":
        return _week(today)
    if word == "last-week":
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6), "last week")
    if word == "month":
        return Period(today.replace(day=1), today, "this month")
    if word == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, "last month")
    if match := _NDAYS.match(word):
        days = int(match[1])
        if not 1 <= days <= MAX_DAYS:
            raise UsageError(f"`{word}`: between 1d and {MAX_DAYS}d, please.", usage=USAGE)
        return Period(today - timedelta(days=days), yesterday, f"last {days} days", rolling=True)
    if match := _WEEK.match(word):
        return _iso_week(int(match[1]), today)
    if _DAY.match(word):
        day = _date(word)
        return _checked(Period(day, day, day.isoformat()), today)
    if match := _RANGE.match(word):
        start, end = _date(match[1]), _date(match[2])
        return _checked(Period(start, end, f"{start.isoformat()} to {end.isoformat()}"), today)
    return None


def _iso_week(number: int, today: date) -> Period:
    try:
        monday = date.fromisocalendar(today.isocalendar().year, number, 1)
    except ValueError:
        raise UsageError(f"`w{number}` is not a week of this year.", usage=USAGE) from None
    if monday > today:
        raise UsageError(f"Week {number} has not started yet (today is {today}).", usage=USAGE)
    return Period(monday, min(monday + timedelta(days=6), today), f"week {number}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"`{escape(text)}` is not a date (YYYY-MM-DD).", usage=USAGE) from None


def _checked(period: Period, today: date) -> Period:
    if period.start > period.end:
        raise UsageError(
            f"{period.span()} is an empty range: it ends before it starts.", usage=USAGE
        )
    if period.end > today:
        raise UsageError(f"{period.span()} is in the future (today is {today}).", usage=USAGE)
    if period.start < EARLIEST:
        raise UsageError(
            f"{period.span()} is too long ago: give dates from {EARLIEST} on.", usage=USAGE
        )
    if period.days > MAX_DAYS:
        raise UsageError(
            f"{period.span()} covers {period.days} days; at most a year ({MAX_DAYS}) please.",
            usage=USAGE,
        )
    return period
