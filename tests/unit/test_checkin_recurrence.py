"""Check-in schedules: parsing, next fire times, and DST in two zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.checkins.recurrence import parse_schedule
from integrations.errors import UsageError


def at(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc,arg-type]


@pytest.mark.parametrize(
    ("every", "cron", "zone", "after", "expected"),
    [
        (
            "mon 09:00",
            None,
            "Asia/Manila",
            at("Asia/Manila", 2026, 11, 18, 12),
            at("Asia/Manila", 2026, 11, 23, 9),
        ),
        ("Monday 09:00", None, "UTC", at("UTC", 2026, 11, 23, 9), at("UTC", 2026, 11, 30, 9)),
        (
            "weekdays 08:30",
            None,
            "Europe/Dublin",
            at("Europe/Dublin", 2026, 11, 20, 9),
            at("Europe/Dublin", 2026, 11, 23, 8, 30),
        ),
        ("mon,thu 10:00", None, "UTC", at("UTC", 2026, 11, 23, 10), at("UTC", 2026, 11, 26, 10)),
        ("1st mon of month 10:00", None, "UTC", at("UTC", 2026, 11, 3), at("UTC", 2026, 12, 7, 10)),
        (
            "last fri of month 16:00",
            None,
            "UTC",
            at("UTC", 2026, 11, 1),
            at("UTC", 2026, 11, 27, 16),
        ),
        ("day 07:15", None, "UTC", at("UTC", 2026, 11, 1, 8), at("UTC", 2026, 11, 2, 7, 15)),
        (
            None,
            "0 9 * * MON",
            "Asia/Manila",
            at("Asia/Manila", 2026, 11, 18),
            at("Asia/Manila", 2026, 11, 23, 9),
        ),
        (None, "30 8 * * 1-5", "UTC", at("UTC", 2026, 11, 21), at("UTC", 2026, 11, 23, 8, 30)),
        (None, "0 9 1 * *", "UTC", at("UTC", 2026, 11, 2), at("UTC", 2026, 12, 1, 9)),
        (None, "0 9,15 * * sun", "UTC", at("UTC", 2026, 11, 22, 10), at("UTC", 2026, 11, 22, 15)),
        (None, "0 9 * * 7", "UTC", at("UTC", 2026, 11, 20), at("UTC", 2026, 11, 22, 9)),
        (None, "0 */6 * * *", "UTC", at("UTC", 2026, 11, 20, 7), at("UTC", 2026, 11, 20, 12)),
    ],
)
def test_next_fire_time(
    every: str | None, cron: str | None, zone: str, after: datetime, expected: datetime
) -> None:
    recurrence = parse_schedule(every=every, cron=cron, timezone=zone)
    assert recurrence.next_after(after) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("every", "cron", "zone", "reason"),
    [
        ("mon", None, "UTC", "needs days and a time"),
        ("funday 09:00", None, "UTC", "not a day of the week"),
        ("mon 25:00", None, "UTC", "not a time of day"),
        ("mon 9", None, "UTC", "not a time of day"),
        ("mon 09:00", None, "Mars/Olympus", "not a time zone"),
        (None, "0 9 * *", "UTC", "5 fields"),
        (None, "61 9 * * *", "UTC", "not a valid minute"),
        (None, "0 9 * * 8", "UTC", "not a valid day of week"),
        (None, "0 9 * * 5-1", "UTC", "not a valid day-of-week range"),
        (None, "0 9 * * MON#6", "UTC", "not a valid day of week"),
        (None, "0 24 * * *", "UTC", "not a valid hour"),
        (None, "0 9 32 * *", "UTC", "not a valid day of month"),
        (None, "0 9 * 13 *", "UTC", "not a valid month"),
        (None, "*/0 9 * * *", "UTC", "not a valid minute"),
        (None, "0 9 30 2 *", "UTC", "never fires"),
        (None, "0 9 31 4,6,9,11 *", "UTC", "never fires"),
        (None, "0 9 31 2 *", "UTC", "never fires"),
        ("6th mon of month 10:00", None, "UTC", "not a day of the week"),
    ],
)
def test_bad_schedules_say_why_with_examples(
    every: str | None, cron: str | None, zone: str, reason: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_schedule(every=every, cron=cron, timezone=zone)
    assert reason in caught.value.user_message
    assert 'every:"weekdays 08:30"' in caught.value.usage


def test_both_or_neither_schedule_form_is_refused() -> None:
    with pytest.raises(UsageError):
        parse_schedule(every=None, cron=None, timezone="UTC")
    with pytest.raises(UsageError):
        parse_schedule(every="mon 09:00", cron="0 9 * * 1", timezone="UTC")


@pytest.mark.parametrize(
    ("zone", "spring_day", "fall_day", "winter_offset", "summer_offset"),
    [
        ("America/New_York", (2026, 3, 8), (2026, 11, 1), -5, -4),
        ("Europe/Dublin", (2026, 3, 29), (2026, 10, 25), 0, 1),
    ],
)
def test_daily_nine_oclock_stays_local_across_dst(
    zone: str,
    spring_day: tuple[int, int, int],
    fall_day: tuple[int, int, int],
    winter_offset: int,
    summer_offset: int,
) -> None:
    recurrence = parse_schedule(every="day 09:00", cron=None, timezone=zone)
    for day, offset in ((spring_day, summer_offset), (fall_day, winter_offset)):
        before = at(zone, *day, 0)
        fire = recurrence.next_after(before)
        assert fire is not None
        local = fire.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (9, 0)
        assert local.utcoffset().total_seconds() == offset * 3600  # type: ignore[union-attr]
        # UTC hour shifts by exactly the DST change; wall time does not.
        assert fire.hour == 9 - offset


def test_spring_forward_gap_fires_once_when_the_clocks_jump_new_york() -> None:
    recurrence = parse_schedule(every="day 02:30", cron=None, timezone="America/New_York")
    start = at("America/New_York", 2026, 3, 7, 12)
    fires = recurrence.between(start.astimezone(UTC), start.astimezone(UTC).replace(day=10))
    local = [f.astimezone(ZoneInfo("America/New_York")) for f in fires]
    # 02:30 does not exist on 8 March: as in ISC cron it fires once when 02:00 becomes 03:00.
    assert [(x.day, x.hour, x.minute) for x in local] == [(8, 3, 0), (9, 2, 30), (10, 2, 30)]


def test_spring_forward_gap_fires_once_dublin() -> None:
    recurrence = parse_schedule(every="day 01:30", cron=None, timezone="Europe/Dublin")
    start = at("Europe/Dublin", 2026, 3, 28, 12).astimezone(UTC)
    fires = recurrence.between(start, start.replace(day=30, hour=12))
    local = [f.astimezone(ZoneInfo("Europe/Dublin")) for f in fires]
    assert [(x.day, x.hour, x.minute) for x in local] == [(29, 2, 0), (30, 1, 30)]


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [("America/New_York", (2026, 11, 1), (1, 30)), ("Europe/Dublin", (2026, 10, 25), (1, 30))],
)
def test_fall_back_repeated_hour_fires_once(
    zone: str, day: tuple[int, int, int], wall: tuple[int, int]
) -> None:
    recurrence = parse_schedule(every=f"day {wall[0]:02d}:{wall[1]:02d}", cron=None, timezone=zone)
    start = at(zone, *day, 0).astimezone(UTC)
    fires = recurrence.between(start, start + timedelta(hours=6))
    assert len(fires) == 1
    local = fires[0].astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute, local.fold) == (*wall, 0)
