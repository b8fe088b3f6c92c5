"""Standard 5-field cron text, translated into APScheduler 3 `CronTrigger` field values.

APScheduler reads most fields as cron does, with three differences this module bridges:

- Day-of-week numbers: cron counts Sunday as 0 (and 7), APScheduler 3 counts Monday as 0, and
  `CronTrigger.from_crontab` passes the numbers through unchanged (apscheduler issues 286, 455:
  `0 9 * * 0` would fire on Mondays). We expand the field to a set of days and hand APScheduler
  day *names*, so `1-7`, `0-2` and `*/2` mean what cron means.
- Day of month and day of week: when both are restricted cron fires on either (`0 9 1 * MON`
  is the 1st and every Monday); APScheduler requires both. Those become two alternatives, which
  the caller combines with an `OrTrigger`. As in Vixie cron, a field that starts with `*` counts
  as unrestricted for that rule.
- Extensions cron users know from Quartz: `L` in the day of month (last day), `5L` or `FRIL`
  (last Friday) and `MON#2` (second Monday) in the day of week, mapped to APScheduler's own
  `last`, `last fri` and `2nd mon` day expressions.
"""

from __future__ import annotations

import re

CronFields = dict[str, str]

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering, Sunday = 0
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler numbering
_ORDINAL_WORDS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
_LAST_WEEKDAY = re.compile(r"^(?P<day>[a-z]{3}|[0-7])l$")
_NTH_WEEKDAY = re.compile(r"^(?P<day>[a-z]{3}|[0-7])#(?P<nth>[1-5])$")
_DOW_RANGE = re.compile(r"^(?P<first>[a-z]{3}|\d+)(?:-(?P<last>[a-z]{3}|\d+))?(?:/(?P<step>\d+))?$")


class CronTextError(ValueError):
    """The cron text is malformed; `str()` says which part and why, for the user."""


def cron_alternatives(text: str) -> list[CronFields]:
    """Translate 5-field cron text into CronTrigger field values; fire when any set matches."""
    fields = text.split(" ")
    if len(fields) != 5:
        raise CronTextError("cron needs 5 fields: minute hour day-of-month month day-of-week")
    minute, hour, dom, month, dow = (field.lower() for field in fields)
    base = {"minute": minute, "hour": hour, "month": month}
    day = ",".join("last" if part == "l" else part for part in dom.split(","))
    weekdays, positions = _day_of_week(dow)
    names = ",".join(_APS_DAYS[(d - 1) % 7] for d in sorted(weekdays)) if weekdays else ""
    if not dom.startswith("*") and not dow.startswith("*"):
        # cron's rule when both day fields are restricted: either one matching is enough.
        either = [{**base, "day": ",".join([day, *positions])}]
        return either + ([{**base, "day_of_week": names}] if names else [])
    if positions:
        if dom != "*":
            raise CronTextError("`L` and `#` in the day of week need `*` as the day of month")
        by_position = [{**base, "day": ",".join(positions)}]
        return by_position + ([{**base, "day_of_week": names}] if names else [])
    fields_set = dict(base)
    if dom != "*":
        fields_set["day"] = day
    if dow != "*":
        fields_set["day_of_week"] = names
    return [fields_set]


def _day_of_week(text: str) -> tuple[set[int], list[str]]:
    """Return the cron weekday numbers (Sunday = 0) and the `last fri`-style positions."""
    weekdays: set[int] = set()
    positions: list[str] = []
    for part in text.split(","):
        if last := _LAST_WEEKDAY.match(part):
            positions.append(f"last {_APS_DAYS[(_weekday(last['day'], part) - 1) % 7]}")
        elif nth := _NTH_WEEKDAY.match(part):
            ordinal = _ORDINAL_WORDS[int(nth["nth"])]
            positions.append(f"{ordinal} {_APS_DAYS[(_weekday(nth['day'], part) - 1) % 7]}")
        else:
            weekdays.update(_weekday_range(part))
    return weekdays, positions


def _weekday_range(part: str) -> set[int]:
    body = part.replace("*", "0-6", 1) if part.startswith("*") else part
    match = _DOW_RANGE.match(body)
    if match is None:
        raise CronTextError(f"`{part}` is not a valid day of week (0-7 or sun-sat)")
    first = _weekday(match["first"], part)
    if match["last"] is not None:
        # A range may end on Sunday written as 7 or `sun`: `1-7`, `fri-sun`.
        last = _weekday(match["last"], part) or 7
    else:
        last = 6 if match["step"] else first
    step = int(match["step"] or 1)
    if first > last or step < 1:
        raise CronTextError(f"`{part}` is not a valid day-of-week range")
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday(text: str, part: str) -> int:
    if text in _CRON_DAYS:
        return _CRON_DAYS.index(text)
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise CronTextError(f"`{part}` is not a valid day of week (0-7 or sun-sat)")
