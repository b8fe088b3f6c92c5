"""Cron on APScheduler triggers: weekday numbering, steps, last days, DST, leap days, new year.

Every instant is explicit; nothing here reads the clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.checkins.recurrence import parse_schedule

LONDON = "Europe/London"
LOS_ANGELES = "America/Los_Angeles"


def at(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc,arg-type]


def local_fires(cron: str, zone: str, start: datetime, end: datetime) -> list[str]:
    """Return the fire times in (start, end] as local ISO strings with their offsets."""
    recurrence = parse_schedule(every=None, cron=cron, timezone=zone)
    return [f.astimezone(ZoneInfo(zone)).isoformat() for f in recurrence.between(start, end)]


@pytest.mark.parametrize(
    ("cron", "days"),
    [
        # cron counts Sunday as 0 and 7; APScheduler 3 counts Monday as 0.
        ("0 9 * * 1-7", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        ("0 9 * * 0-6", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        ("0 9 * * 0", ["Sun"]),
        ("0 9 * * 7", ["Sun"]),
        ("0 9 * * 1", ["Mon"]),
        ("0 9 * * 1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0 9 * * 0-2", ["Sun", "Mon", "Tue"]),
        ("0 9 * * */2", ["Sun", "Tue", "Thu", "Sat"]),
        ("0 9 * * 1-5/2", ["Mon", "Wed", "Fri"]),
        ("0 9 * * fri-sun", ["Sun", "Fri", "Sat"]),
        ("0 9 * * SUN,6", ["Sun", "Sat"]),
    ],
)
def test_day_of_week_numbers_mean_what_cron_means(cron: str, days: list[str]) -> None:
    recurrence = parse_schedule(every=None, cron=cron, timezone="UTC")
    # Sunday 22 November 2026 00:00 to the next Sunday 00:00: one week, each day once.
    fires = recurrence.between(at("UTC", 2026, 11, 21, 23), at("UTC", 2026, 11, 28, 23))
    assert [f.strftime("%a") for f in fires] == days
    assert all((f.hour, f.minute) == (9, 0) for f in fires)


def test_every_fifteen_minutes() -> None:
    fires = local_fires(
        "*/15 * * * *", "UTC", at("UTC", 2026, 11, 20, 9, 7), at("UTC", 2026, 11, 20, 10)
    )
    assert fires == [
        "2026-11-20T09:15:00+00:00",
        "2026-11-20T09:30:00+00:00",
        "2026-11-20T09:45:00+00:00",
        "2026-11-20T10:00:00+00:00",
    ]


def test_every_minute_is_allowed_and_fires_each_minute() -> None:
    recurrence = parse_schedule(every=None, cron="* * * * *", timezone="UTC")
    start = at("UTC", 2026, 11, 20, 9, 0, 30)
    fires = recurrence.between(start, start + timedelta(hours=1))
    assert len(fires) == 60
    assert fires[0] == at("UTC", 2026, 11, 20, 9, 1)
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(fires))


def test_two_runs_half_an_hour_apart_on_sundays_are_judged_exactly() -> None:
    # The old guard sampled two days and judged this schedule by luck; with no minimum
    # interval (cron's one minute aside) it is simply accepted and fires at both times.
    fires = local_fires("0,30 9 * * SUN", "UTC", at("UTC", 2026, 11, 16), at("UTC", 2026, 11, 30))
    assert fires == [
        "2026-11-22T09:00:00+00:00",
        "2026-11-22T09:30:00+00:00",
        "2026-11-29T09:00:00+00:00",
        "2026-11-29T09:30:00+00:00",
    ]


@pytest.mark.parametrize(
    ("cron", "after", "expected"),
    [
        ("0 9 L * *", (2027, 2, 1), ["2027-02-28", "2027-03-31", "2027-04-30"]),
        ("0 9 L * *", (2028, 2, 1), ["2028-02-29", "2028-03-31", "2028-04-30"]),
        ("0 9 L 2 *", (2099, 3, 1), ["2100-02-28", "2101-02-28", "2102-02-28"]),
        ("0 16 * * 5L", (2026, 11, 1), ["2026-11-27", "2026-12-25", "2027-01-29"]),
        ("0 16 * * FRIL", (2026, 11, 1), ["2026-11-27", "2026-12-25", "2027-01-29"]),
        ("0 10 * * MON#1", (2026, 11, 3), ["2026-12-07", "2027-01-04", "2027-02-01"]),
        ("0 10 * * 1#5", (2026, 11, 1), ["2026-11-30", "2027-03-29", "2027-05-31"]),
        ("0 9 29 2 *", (2027, 3, 1), ["2028-02-29", "2032-02-29", "2036-02-29"]),
        ("0 9 29 2 *", (2096, 3, 1), ["2104-02-29", "2108-02-29", "2112-02-29"]),
        # Both day fields restricted: either matches (the 1st, and every Monday).
        ("0 9 1 * MON", (2026, 11, 24), ["2026-11-30", "2026-12-01", "2026-12-07"]),
        # Day of month starting with `*`: both must match, as in Vixie cron.
        ("0 9 */10 * MON", (2026, 11, 1), ["2026-12-21", "2027-01-11", "2027-02-01"]),
    ],
)
def test_last_nth_and_leap_days(
    cron: str, after: tuple[int, int, int], expected: list[str]
) -> None:
    recurrence = parse_schedule(every=None, cron=cron, timezone="UTC")
    cursor = at("UTC", *after)
    fires = []
    for _ in expected:
        fire = recurrence.next_after(cursor)
        assert fire is not None
        fires.append(fire.date().isoformat())
        cursor = fire
    assert fires == expected


@pytest.mark.parametrize(
    ("cron", "zone", "after", "expected"),
    [
        (
            "0 0 1 1 *",
            LOS_ANGELES,
            at(LOS_ANGELES, 2026, 12, 31, 23, 59, 30),
            "2027-01-01T00:00:00-08:00",
        ),
        ("59 23 31 12 *", "UTC", at("UTC", 2026, 12, 31, 23, 59), "2027-12-31T23:59:00+00:00"),
        ("*/15 * * * *", LONDON, at(LONDON, 2026, 12, 31, 23, 50), "2027-01-01T00:00:00+00:00"),
        ("0 9 * * MON", "UTC", at("UTC", 2026, 12, 29), "2027-01-04T09:00:00+00:00"),
        ("0 9 1 1 *", "UTC", at("UTC", 2027, 1, 1, 9), "2028-01-01T09:00:00+00:00"),
    ],
)
def test_year_boundary(cron: str, zone: str, after: datetime, expected: str) -> None:
    fire = parse_schedule(every=None, cron=cron, timezone=zone).next_after(after)
    assert fire is not None
    assert fire.astimezone(ZoneInfo(zone)).isoformat() == expected


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # London jumps 01:00 GMT → 02:00 BST on 29 March 2026.
        (
            LONDON,
            (2026, 3, 29),
            ["00:30+00:00", "00:45+00:00", "02:00+01:00", "02:15+01:00", "02:30+01:00"],
        ),
        # Los Angeles jumps 02:00 PST → 03:00 PDT on 8 March 2026.
        (
            LOS_ANGELES,
            (2026, 3, 8),
            ["01:30-08:00", "01:45-08:00", "03:00-07:00", "03:15-07:00", "03:30-07:00"],
        ),
    ],
)
def test_spring_forward_gap_every_fifteen_minutes(
    zone: str, day: tuple[int, int, int], expected: list[str]
) -> None:
    local_start = at(zone, *day, 0, 20) if zone == LONDON else at(zone, *day, 1, 20)
    start = local_start.astimezone(UTC)  # UTC: real hours, not wall
    fires = local_fires("*/15 * * * *", zone, start, start + timedelta(hours=1, minutes=15))
    assert [f[11:16] + f[19:] for f in fires] == expected


@pytest.mark.parametrize(
    ("zone", "day", "first_hour", "expected"),
    [
        # London repeats 01:00-02:00 on 25 October 2026 (BST then GMT).
        (LONDON, (2026, 10, 25), 1, ["01:00+01:00", "01:30+01:00", "02:00+00:00", "02:30+00:00"]),
        # Los Angeles repeats 01:00-02:00 on 1 November 2026 (PDT then PST).
        (
            LOS_ANGELES,
            (2026, 11, 1),
            1,
            ["01:00-07:00", "01:30-07:00", "02:00-08:00", "02:30-08:00"],
        ),
    ],
)
def test_fall_back_repeated_hour_fires_each_wall_time_once(
    zone: str, day: tuple[int, int, int], first_hour: int, expected: list[str]
) -> None:
    start = at(zone, *day, first_hour - 1, 59).astimezone(UTC)  # UTC: real hours, not wall
    fires = local_fires("*/30 * * * *", zone, start, start + timedelta(hours=3))
    assert [f[11:16] + f[19:] for f in fires] == expected


def test_asking_from_inside_the_repeated_hour_moves_forward() -> None:
    # APScheduler's own trigger returns 03:30 again and again here (apscheduler issue 1021).
    recurrence = parse_schedule(every=None, cron="30 * * * *", timezone="Europe/Helsinki")
    inside = at("Europe/Helsinki", 2017, 10, 29, 3, 45, fold=1)
    fires = recurrence.between(inside, inside + timedelta(hours=2))
    assert [f.astimezone(ZoneInfo("Europe/Helsinki")).isoformat() for f in fires] == [
        "2017-10-29T04:30:00+02:00",
        "2017-10-29T05:30:00+02:00",
    ]


def reference_fires(
    matches: Callable[[datetime], bool], zone: str, start: datetime, end: datetime
) -> list[datetime]:
    """Walk every minute (the slow way the scheduler must not use) and apply the DST rules."""
    tz = ZoneInfo(zone)
    instants: set[datetime] = set()
    wall = start.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0) - timedelta(hours=3)
    while wall <= end.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3):
        if matches(wall):
            placed = wall.replace(tzinfo=tz).astimezone(UTC)
            if placed.astimezone(tz).replace(tzinfo=None) != wall:
                # Skipped wall time: the first real minute whose local time is later.
                placed = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
                while placed.astimezone(tz).replace(tzinfo=None) < wall:
                    placed += timedelta(minutes=1)
            instants.add(placed)
        wall += timedelta(minutes=1)
    return sorted(i for i in instants if start < i <= end)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        # The 2026 changes: London 29 March and 25 October; Los Angeles 8 March and 1 November.
        (LONDON, (2026, 3, 29)),
        (LONDON, (2026, 10, 25)),
        (LOS_ANGELES, (2026, 3, 8)),
        (LOS_ANGELES, (2026, 11, 1)),
    ],
)
@pytest.mark.parametrize(
    ("cron", "matches"),
    [
        ("* * * * *", lambda w: True),
        ("*/15 * * * *", lambda w: w.minute % 15 == 0),
        ("30 1,2 * * *", lambda w: w.minute == 30 and w.hour in (1, 2)),
        (
            "0,30 1-3 * * SUN",
            lambda w: w.minute in (0, 30) and 1 <= w.hour <= 3 and w.weekday() == 6,
        ),
        ("45 0-4/2 * * *", lambda w: w.minute == 45 and w.hour in (0, 2, 4)),
    ],
)
def test_dst_days_match_a_minute_by_minute_reference(
    zone: str, day: tuple[int, int, int], cron: str, matches: Callable[[datetime], bool]
) -> None:
    start = (at(zone, *day) - timedelta(hours=4)).astimezone(UTC)
    end = start + timedelta(hours=16)
    recurrence = parse_schedule(every=None, cron=cron, timezone=zone)
    expected = reference_fires(matches, zone, start, end)
    assert expected  # the window holds fire times on both sides of the change
    assert recurrence.between(start, end) == expected
