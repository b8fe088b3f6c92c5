"""Check-in schedules: `every:` phrases and 5-field cron, evaluated in the vendor's zone.

Fire times are computed from local wall-clock times with zoneinfo, so DST is handled the
same way everywhere: a wall time that does not exist (spring forward) fires at the instant
it would have had before the change (02:30 → 03:30 local), and an ambiguous wall time (fall
back) fires once, at its first occurrence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.mrkdwn import escape_clip
from integrations.errors import UsageError

SCHEDULE_EXAMPLES = (
    'every:"mon 09:00"',
    'every:"weekdays 08:30"',
    'every:"1st mon of month 10:00"',
    'every:"last fri of month 16:00"',
    'every:"day 09:00"',
    'cron:"0 9 * * MON"',
)
SCHEDULE_USAGE = "Schedules look like:\n" + "\n".join(SCHEDULE_EXAMPLES)
MIN_GAP = timedelta(hours=1)  # a digest more often than hourly is noise, not a check-in
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1}
_TIME = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$")
_NTH = re.compile(r"^(?P<nth>1st|2nd|3rd|4th|5th|last) (?P<day>[a-z]+) of (?:the )?month$")
_LOOKAHEAD_DAYS = 3 * 366  # far enough for "5th mon of month" and 29 Feb crons


@dataclass(frozen=True)
class Recurrence:
    """When a check-in fires: matching local days, and the local times on those days."""

    spec: str  # as stored, e.g. "every:mon 09:00" or "cron:0 9 * * MON"
    timezone: str
    months: frozenset[int]
    days_of_month: frozenset[int] | None  # None = any
    weekdays: frozenset[int] | None  # 0 = Monday; None = any
    nth_weekday: tuple[int, int] | None  # (weekday, n) with n = -1 for the last one
    times: tuple[time, ...]  # sorted local wall times

    @property
    def zone(self) -> ZoneInfo:
        """Return the schedule's time zone."""
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """Return the schedule as the user wrote it."""
        kind, _, text = self.spec.partition(":")
        return f'{kind} "{text}" ({self.timezone})'

    def matches_day(self, day: date) -> bool:
        """Tell whether the schedule fires on local `day`."""
        if day.month not in self.months:
            return False
        if self.nth_weekday is not None:
            weekday, nth = self.nth_weekday
            if day.weekday() != weekday:
                return False
            if nth > 0:
                return (day.day - 1) // 7 + 1 == nth
            return (day + timedelta(days=7)).month != day.month
        dom_ok = self.days_of_month is None or day.day in self.days_of_month
        dow_ok = self.weekdays is None or day.weekday() in self.weekdays
        if self.days_of_month is not None and self.weekdays is not None:
            return dom_ok or dow_ok  # cron's rule when both fields are restricted
        return dom_ok and dow_ok

    def _instants(self, day: date) -> Iterator[datetime]:
        for wall in self.times:
            # fold=0: a skipped wall time maps forward, a repeated one to its first instant.
            yield datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def next_after(self, instant: datetime) -> datetime | None:
        """Return the first fire time strictly after `instant` (aware), or None."""
        local_day = instant.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(_LOOKAHEAD_DAYS):
            day = local_day + timedelta(days=offset)
            if self.matches_day(day):
                for fire in self._instants(day):
                    if fire > instant:
                        return fire
        return None

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Return the fire times in (start, end], oldest first."""
        fires: list[datetime] = []
        cursor = start
        while (fire := self.next_after(cursor)) is not None and fire <= end:
            fires.append(fire)
            cursor = fire
        return fires


def parse_schedule(*, every: str | None, cron: str | None, timezone: str) -> Recurrence:
    """Parse `every:` or `cron:` text in `timezone`; raise UsageError saying what is wrong."""
    zone_name = _check_zone(timezone)
    if (every is None) == (cron is None):
        raise UsageError("Give the schedule as `every:` or as `cron:`.", usage=SCHEDULE_USAGE)
    if every is not None:
        recurrence = _parse_every(" ".join(every.lower().split()), zone_name)
    else:
        recurrence = _parse_cron(" ".join((cron or "").split()), zone_name)
    _check_gaps(recurrence)
    return recurrence


def recurrence_from_spec(spec: str, timezone: str) -> Recurrence:
    """Rebuild a stored schedule (`every:…` or `cron:…`)."""
    kind, _, text = spec.partition(":")
    if kind == "every":
        return parse_schedule(every=text, cron=None, timezone=timezone)
    return parse_schedule(every=None, cron=text, timezone=timezone)


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"`{escape_clip(name, 40)}` is not a time zone I know; "
            "use an IANA name such as Asia/Manila.",
            usage=SCHEDULE_USAGE,
        ) from None
    return name


def _bad(text: str, why: str) -> UsageError:
    shown = escape_clip(text, 60)
    return UsageError(f"I can't read the schedule `{shown}`: {why}.", usage=SCHEDULE_USAGE)


def _parse_time(text: str, whole: str) -> time:
    match = _TIME.match(text)
    if not match or int(match["h"]) > 23 or int(match["m"]) > 59:
        raise _bad(whole, f"`{text}` is not a time of day (HH:MM, 24-hour)")
    return time(int(match["h"]), int(match["m"]))


def _parse_every(text: str, zone: str) -> Recurrence:
    head, _, last = text.rpartition(" ")
    if not head:
        raise _bad(text, "it needs days and a time, e.g. `mon 09:00`")
    wall = _parse_time(last, text)
    base = {"spec": f"every:{text}", "timezone": zone, "months": frozenset(range(1, 13))}
    nth = _NTH.match(head)
    if nth:
        day = _day_index(nth["day"], text)
        return Recurrence(
            **base,  # type: ignore[arg-type]
            days_of_month=None,
            weekdays=None,
            nth_weekday=(day, _ORDINALS[nth["nth"]]),
            times=(wall,),
        )
    if head in ("day", "daily", "every day"):
        weekdays: frozenset[int] | None = None
    elif head in ("weekdays", "weekday"):
        weekdays = frozenset(range(5))
    else:
        weekdays = frozenset(_day_index(d, text) for d in re.split(r"[ ,]+", head) if d)
    return Recurrence(
        **base,  # type: ignore[arg-type]
        days_of_month=None,
        weekdays=weekdays,
        nth_weekday=None,
        times=(wall,),
    )


def _day_index(word: str, whole: str) -> int:
    short = word[:3]
    if short not in _DAYS or not (word == short or _full_day(word)):
        raise _bad(whole, f"`{word}` is not a day of the week")
    return _DAYS.index(short)


def _full_day(word: str) -> bool:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return word in names or word.rstrip("s") in names


def _parse_cron(text: str, zone: str) -> Recurrence:
    fields = text.split(" ")
    if len(fields) != 5:
        raise _bad(text, "cron needs 5 fields: minute hour day-of-month month day-of-week")
    minute, hour, dom, month, dow = fields
    minutes = _cron_field(minute, 0, 59, (), text, "minute")
    hours = _cron_field(hour, 0, 23, (), text, "hour")
    days = _cron_field(dom, 1, 31, (), text, "day of month")
    months = _cron_field(month, 1, 12, _MONTHS, text, "month", offset=1)
    weekdays = _cron_field(dow.replace("7", "0"), 0, 6, ("sun", *_DAYS[:6]), text, "day of week")
    return Recurrence(
        spec=f"cron:{text}",
        timezone=zone,
        months=frozenset(months),
        days_of_month=None if dom == "*" else frozenset(days),
        # cron counts Sunday as 0; Python's weekday() counts Monday as 0.
        weekdays=None if dow == "*" else frozenset((d - 1) % 7 for d in weekdays),
        nth_weekday=None,
        times=tuple(sorted(time(h, m) for h in hours for m in minutes)),
    )


def _cron_field(
    text: str,
    low: int,
    high: int,
    names: tuple[str, ...],
    whole: str,
    what: str,
    *,
    offset: int = 0,
) -> set[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        if not step_text.isdigit() and step_text:
            raise _bad(whole, f"`{part}` has a bad step in the {what} field")
        step = int(step_text) if step_text else 1
        if body == "*":
            start, stop = low, high
        else:
            first, _, second = body.partition("-")
            start = _cron_value(first, low, high, names, whole, what, offset)
            stop = _cron_value(second, low, high, names, whole, what, offset) if second else start
            if step_text and not second:
                stop = high
        if start > stop or step < 1:
            raise _bad(whole, f"`{part}` is not a valid {what} range")
        values.update(range(start, stop + 1, step))
    return values


def _cron_value(
    text: str, low: int, high: int, names: tuple[str, ...], whole: str, what: str, offset: int
) -> int:
    if text in names:
        return names.index(text) + offset
    if not text.isdigit() or not low <= int(text) <= high:
        raise _bad(whole, f"`{text}` is not a valid {what} ({low}-{high})")
    return int(text)


def _check_gaps(recurrence: Recurrence) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    first = recurrence.next_after(start)
    if first is None:
        raise _bad(recurrence.spec.partition(":")[2], "it never fires")
    fires = recurrence.between(start, start + timedelta(days=2))
    if any(b - a < MIN_GAP for a, b in itertools.pairwise(fires)):
        raise _bad(recurrence.spec.partition(":")[2], "check-ins can run at most once an hour")
