"""Periods fitted to the data: never past the last day, comparisons of equal length or scaled."""

from __future__ import annotations

from datetime import date

from commands.kpi.grammar import comparison_label, fit_to_data, parse_kpi_text

THURSDAY = date(2026, 12, 3)
THROUGH = date(2026, 12, 1)  # today's and yesterday's data are not in yet


def fitted(text: str, through: date | None = THROUGH):  # type: ignore[no-untyped-def]
    return fit_to_data(parse_kpi_text(text, today=THURSDAY), through)


def test_week_ends_at_the_last_day_of_data_and_says_so() -> None:
    request = fitted("week")
    assert (request.period.start, request.period.end) == (date(2026, 11, 25), THROUGH)
    assert (request.compare.start, request.compare.end) == (date(2026, 11, 18), date(2026, 11, 24))
    assert any("data through 2026-12-01" in note for note in request.notes)


def test_rolling_windows_slide_and_calendar_periods_are_cut() -> None:
    days = fitted("28d")
    assert (days.period.start, days.period.end, days.period.days) == (
        date(2026, 11, 4),
        THROUGH,
        28,
    )
    month = fitted("month")
    assert (month.period.start, month.period.end) == (date(2026, 12, 1), THROUGH)
    assert (month.compare.start, month.compare.end) == (date(2026, 11, 30), date(2026, 11, 30))
    assert "this month is cut to 2026-12-01 – 2026-12-01" in month.notes[0]


def test_unequal_comparison_is_scaled_and_said() -> None:
    request = fitted("28d vs last-month")
    assert (request.compare.start, request.compare.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert any("scaled by 28/30" in note for note in request.notes)
    assert any("share 27 day(s)" in note for note in request.notes)


def test_periods_within_the_data_are_left_alone() -> None:
    request = fitted("2026-11-02..2026-11-08")
    assert request == parse_kpi_text("2026-11-02..2026-11-08", today=THURSDAY)
    assert fitted("week", None).notes == ()


def test_labels_name_the_actual_comparison() -> None:
    assert parse_kpi_text("2026-11-22", today=THURSDAY).compare.label == "2026-11-21"
    last_week = parse_kpi_text("last-week", today=THURSDAY)
    assert last_week.compare.label == "w47"
    assert comparison_label(fitted("week").compare) == "2026-11-18 – 2026-11-24"
