"""Check-in schedules: `every:` phrases and 5-field cron, as APScheduler `CronTrigger`s.

Both forms become CronTrigger field values (see `cron_text` for cron's quirks). The trigger
matches *local wall-clock times*: it runs on naive local times (expressed as UTC, which has no
DST), and each matching wall time is then placed in the vendor's zone with zoneinfo. That keeps
APScheduler's own DST handling (which can repeat or loop around a fall-back hour, apscheduler
issue 1021) out of the way and gives the rules ISC cron documents:

- a wall time skipped by a spring-forward change fires once, the moment the clocks jump
  (02:30 on the day 02:00 becomes 03:00 fires at 03:00);
- a wall time repeated by a fall-back change fires once, at its first occurrence;
- an instant is never fired twice, and fire times always move forward.

Minimum interval: none beyond cron's own resolution of one minute. `* * * * *` is allowed: a
next fire time costs a few field steps in the trigger whatever the schedule, so nothing is
sampled or walked minute by minute, and each fire is one claim row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from commands.checkins.cron_text import CronFields, CronTextError, cron_alternatives
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
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$")
_NTH = re.compile(r"^(?P<nth>1st|2nd|3rd|4th|5th|last) (?P<day>[a-z]+) of (?:the )?month$")
_FIELD_NAMES = {
    "minute": "minute",
    "hour": "hour",
    "day": "day of month",
    "month": "month",
    "day_of_week": "day of week",
}
# A schedule that fires at all fires within 8 years (29 February skips 2100); looking further
# would make APScheduler step through every year to 9999 for `0 9 31 2 *`.
_NEVER_HORIZON = timedelta(days=9 * 366)
_NEVER_FROM = datetime(2030, 1, 1, tzinfo=UTC)
# Fire times skipped in a row at most: the walls of a repeated (fall-back) period, at most
# one fire a minute over a few hours.
_MAX_SKIPS = 6 * 60


@dataclass(frozen=True)
class Recurrence:
    """When a check-in fires: a trigger over local wall-clock times, placed in the zone."""

    spec: str  # as stored, e.g. "every:mon 09:00" or "cron:0 9 * * MON"
    timezone: str
    wall_trigger: BaseTrigger  # matches naive local wall times, carried as UTC

    @property
    def zone(self) -> ZoneInfo:
        """Return the schedule's time zone."""
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """Return the schedule as the user wrote it."""
        kind, _, text = self.spec.partition(":")
        return f'{kind} "{text}" ({self.timezone})'

    def next_after(self, instant: datetime) -> datetime | None:
        """Return the first fire time strictly after `instant` (aware, returned in UTC)."""
        zone = self.zone
        wall = instant.astimezone(zone).replace(tzinfo=UTC, fold=0)
        for _ in range(_MAX_SKIPS):
            wall = self.wall_trigger.get_next_fire_time(None, wall + timedelta(microseconds=1))
            if wall is None:
                return None
            fire = _place(wall.replace(tzinfo=None), zone)
            # Walls map onto instants in order, so the first one past `instant` is the next;
            # walls at or before it can only be the repeat of a fall-back hour.
            if fire > instant:
                return fire
        return None

    def between(
        self, start: datetime, end: datetime, *, limit: int | None = None
    ) -> list[datetime]:
        """Return the fire times in (start, end], oldest first; at most `limit` of them."""
        fires: list[datetime] = []
        cursor = start
        while (limit is None or len(fires) < limit) and (
            (fire := self.next_after(cursor)) is not None and fire <= end
        ):
            fires.append(fire)
            cursor = fire
        return fires


def _place(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of naive local `wall`: first occurrence, or the jump of a gap."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` lies in a spring-forward gap. zoneinfo placed it with the offset before the
    # change, i.e. after the jump; the jump itself is the latest instant still before `wall`
    # in the new offset. Offsets change on whole minutes, so a binary search over the
    # minutes between the two placements finds it.
    earliest = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = 0, int((first - earliest).total_seconds() // 60)
    while low < high:
        middle = (low + high) // 2
        probe = earliest + timedelta(minutes=middle)
        if probe.astimezone(zone).utcoffset() == earliest.astimezone(zone).utcoffset():
            low = middle + 1
        else:
            high = middle
    return earliest + timedelta(minutes=low)


def parse_schedule(*, every: str | None, cron: str | None, timezone: str) -> Recurrence:
    """Parse `every:` or `cron:` text in `timezone`; raise UsageError saying what is wrong."""
    zone_name = _check_zone(timezone)
    if (every is None) == (cron is None):
        raise UsageError("Give the schedule as `every:` or as `cron:`.", usage=SCHEDULE_USAGE)
    if every is not None:
        text = " ".join(every.lower().split())
        spec, alternatives = f"every:{text}", [_every_fields(text)]
    else:
        text = " ".join((cron or "").split())
        try:
            alternatives = cron_alternatives(text)
        except CronTextError as exc:
            raise _bad(text, str(exc)) from None
        spec = f"cron:{text}"
    return Recurrence(spec=spec, timezone=zone_name, wall_trigger=_wall_trigger(text, alternatives))


@lru_cache(maxsize=1024)
def recurrence_from_spec(spec: str, timezone: str) -> Recurrence:
    """Rebuild a stored schedule (`every:…` or `cron:…`); cached, as the scheduler asks often."""
    kind, _, text = spec.partition(":")
    if kind == "every":
        return parse_schedule(every=text, cron=None, timezone=timezone)
    return parse_schedule(every=None, cron=text, timezone=timezone)


def _wall_trigger(text: str, alternatives: list[CronFields]) -> BaseTrigger:
    triggers = [_cron_trigger(text, fields) for fields in alternatives]
    horizon = _NEVER_FROM + _NEVER_HORIZON
    bounded = [CronTrigger(**fields, timezone=UTC, end_date=horizon) for fields in alternatives]
    if all(t.get_next_fire_time(None, _NEVER_FROM) is None for t in bounded):
        raise _bad(text, "it never fires")
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def _cron_trigger(text: str, fields: CronFields) -> CronTrigger:
    # Each field alone first, so the message names the field that is wrong.
    for name, value in fields.items():
        try:
            CronTrigger(**{name: value}, timezone=UTC)
        except ValueError:
            raise _bad(text, f"`{value}` is not a valid {_FIELD_NAMES[name]}") from None
    try:
        return CronTrigger(**fields, timezone=UTC)
    except ValueError:
        raise _bad(text, "its fields do not fit together") from None


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


def _every_fields(text: str) -> CronFields:
    """Translate an `every:` phrase (days, then a time) into CronTrigger field values."""
    head, _, last = text.rpartition(" ")
    if not head:
        raise _bad(text, "it needs days and a time, e.g. `mon 09:00`")
    wall = _parse_time(last, text)
    at = {"hour": str(wall.hour), "minute": str(wall.minute)}
    if nth := _NTH.match(head):
        # APScheduler's day-of-month field reads `1st mon` and `last fri` itself.
        return {**at, "day": f"{nth['nth']} {_DAYS[_day_index(nth['day'], text)]}"}
    if head in ("day", "daily", "every day"):
        return at
    if head in ("weekdays", "weekday"):
        return {**at, "day_of_week": "mon-fri"}
    days = sorted({_day_index(word, text) for word in re.split(r"[ ,]+", head) if word})
    return {**at, "day_of_week": ",".join(_DAYS[d] for d in days)}


def _day_index(word: str, whole: str) -> int:
    short = word[:3]
    if short not in _DAYS or not (word == short or _full_day(word)):
        raise _bad(whole, f"`{word}` is not a day of the week")
    return _DAYS.index(short)


def _full_day(word: str) -> bool:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return word in names or word.rstrip("s") in names
