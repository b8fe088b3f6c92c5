"""The OPSBOT_NUDGES setting: which stale work is nudged, after how long, and quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from integrations.errors import UsageError

DEFAULT_SPEC = "sev1_unassigned=30m,sev1_silent=4h,sev2_silent=1d,initiative_stale=7d,quiet=21-8"
RULES = ("sev1_unassigned", "sev1_silent", "sev2_silent", "initiative_stale")
USAGE = (
    "OPSBOT_NUDGES=RULE=DURATION,…  rules: " + ", ".join(RULES) + " (DURATION like 30m, 4h, "
    "1d, or off); quiet=FROM-TO in the owner's hours (21-8)"
)
_DURATION = re.compile(r"^(\d{1,4})([mhd])$")
_QUIET = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class NudgePolicy:
    """After how long each rule nudges (absent = off), and the owner's night."""

    after: dict[str, timedelta]
    quiet_from: int = 21
    quiet_until: int = 8

    def is_night(self, hour: int) -> bool:
        """Tell whether a local hour falls in the quiet hours (which may wrap midnight)."""
        if self.quiet_from == self.quiet_until:
            return False
        if self.quiet_from < self.quiet_until:
            return self.quiet_from <= hour < self.quiet_until
        return hour >= self.quiet_from or hour < self.quiet_until


def parse_duration(text: str) -> timedelta | None:
    """Return `30m`/`4h`/`1d` as a timedelta, None for `off`; UsageError otherwise."""
    if text.lower() == "off":
        return None
    match = _DURATION.match(text.lower())
    if match is None or int(match[1]) == 0:
        raise UsageError(f"`{text[:20]}` is not a duration.", usage=USAGE)
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def parse_policy(spec: str) -> NudgePolicy:
    """Read the setting; rules it does not name keep their defaults."""
    after: dict[str, timedelta] = {}
    quiet = (21, 8)
    for part in f"{DEFAULT_SPEC},{spec}".split(","):
        name, _, value = part.strip().partition("=")
        if not name:
            continue
        if name == "quiet":
            match = _QUIET.match(value)
            if match is None or int(match[1]) > 23 or int(match[2]) > 23:
                raise UsageError(f"`quiet={value[:20]}` is not FROM-TO hours.", usage=USAGE)
            quiet = (int(match[1]), int(match[2]))
        elif name in RULES:
            duration = parse_duration(value)
            if duration is None:
                after.pop(name, None)
            else:
                after[name] = duration
        else:
            raise UsageError(f"`{name[:30]}` is not a nudge rule.", usage=USAGE)
    return NudgePolicy(after=after, quiet_from=quiet[0], quiet_until=quiet[1])
