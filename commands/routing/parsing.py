"""Text of `/routing` and of the CLI's `--period`: a period and `key:value` case filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.kpi.grammar import parse_kpi_text
from commands.mrkdwn import escape_clip
from commands.slash_text import parse_text
from integrations.errors import UsageError

ROUTING_USAGE = "\n".join(
    (
        "/routing [week | 28d | last-month | YYYY-MM-DD..YYYY-MM-DD] [reason:R] [vendor:V]",
        "    [channel:C] [country:CC] [language:L] [queue:Q]",
        "/routing why [PERIOD] [filters]   (what changed the misroute rate)",
    )
)
DEFAULT_PERIOD = "28d"
# Option name in the command text → case column it filters.
FILTER_OPTIONS = {
    "reason": "reason",
    "vendor": "vendor",
    "channel": "channel",
    "country": "country",
    "language": "language",
    "queue": "initial_queue",
}
_DAY_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
MAX_FILTER_LENGTH = 120


@dataclass(frozen=True)
class CaseWindow:
    """Cases created in [start, end), or every case when both are None."""

    start: datetime | None
    end: datetime | None
    label: str

    @property
    def weeks(self) -> float | None:
        """Return the window's length in weeks, or None for an open window."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds() / (7 * 86400)


@dataclass(frozen=True)
class RoutingRequest:
    """What `/routing` was asked: the window and the filters, column → accepted values."""

    window: CaseWindow
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    why: bool = False


def window_for_days(start: date, end: date, *, timezone: str, label: str) -> CaseWindow:
    """Return the window from `start`'s midnight to the midnight after `end`, in `timezone`."""
    zone = ZoneInfo(timezone)
    begin = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return CaseWindow(begin, after, label)


def parse_period_option(text: str | None, *, timezone: str = "UTC") -> CaseWindow:
    """Read the CLI's `--period YYYY-MM-DD[..YYYY-MM-DD]`; None means every case."""
    if text is None or not text.strip():
        return CaseWindow(None, None, "all cases")
    match = _DAY_RANGE.match(text.strip())
    if match is None:
        raise UsageError(f"--period {text!r}: want YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
    try:
        start = date.fromisoformat(match[1])
        end = date.fromisoformat(match[2] or match[1])
    except ValueError:
        raise UsageError(f"--period {text!r}: not a calendar date") from None
    if end < start:
        raise UsageError(f"--period {text!r} ends before it starts")
    return window_for_days(start, end, timezone=timezone, label=text.strip())


def parse_routing_text(text: str, *, today: date, timezone: str) -> RoutingRequest:
    """Parse `/routing` text; periods read as in `/kpi`, filters as `key:value`."""
    parsed = parse_text(text)
    why = bool(parsed.words) and parsed.words[0].lower() == "why"
    if why:
        parsed.words.pop(0)
    if len(parsed.words) > 1:
        raise UsageError("Give at most one period.", usage=ROUTING_USAGE)
    word = parsed.words[0] if parsed.words else DEFAULT_PERIOD
    if ":" in word or word.lower() == "help":
        raise UsageError("Here is how to ask.", usage=ROUTING_USAGE)
    period = parse_kpi_text(word, today=today).period
    filters: dict[str, tuple[str, ...]] = {}
    for key, value in parsed.options.items():
        column = FILTER_OPTIONS.get(key)
        if column is None:
            raise UsageError(
                f"`{escape_clip(key, 30)}:` is not a filter; use "
                + ", ".join(f"`{k}:`" for k in FILTER_OPTIONS),
                usage=ROUTING_USAGE,
            )
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        if not values or any(len(v) > MAX_FILTER_LENGTH for v in values):
            raise UsageError(f"`{key}:` needs a value.", usage=ROUTING_USAGE)
        filters[column] = values
    window = window_for_days(period.start, period.end, timezone=timezone, label=period.label)
    return RoutingRequest(window=window, filters=filters, why=why)
