"""The /kpi grammar: a table of texts and what they mean (today is Sunday 2026-11-22)."""

from __future__ import annotations

from datetime import date

import pytest

from commands.kpi.grammar import parse_kpi_text
from commands.kpi.registry import BUILT_IN
from integrations.errors import UsageError

TODAY = date(2026, 11, 22)
KEYS = tuple(k.key for k in BUILT_IN)


@pytest.mark.parametrize(
    ("text", "period", "compare"),
    [
        ("", ("2026-11-15", "2026-11-21"), ("2026-11-08", "2026-11-14")),
        ("week", ("2026-11-15", "2026-11-21"), ("2026-11-08", "2026-11-14")),
        ("today", ("2026-11-22", "2026-11-22"), ("2026-11-21", "2026-11-21")),
        ("yesterday", ("2026-11-21", "2026-11-21"), ("2026-11-20", "2026-11-20")),
        ("last-week", ("2026-11-09", "2026-11-15"), ("2026-11-02", "2026-11-08")),
        ("month", ("2026-11-01", "2026-11-22"), ("2026-10-10", "2026-10-31")),
        ("last-month", ("2026-10-01", "2026-10-31"), ("2026-08-31", "2026-09-30")),
        ("28d", ("2026-10-25", "2026-11-21"), ("2026-09-27", "2026-10-24")),
        ("2026-11-03", ("2026-11-03", "2026-11-03"), ("2026-11-02", "2026-11-02")),
        (
            "2026-11-01..2026-11-14",
            ("2026-11-01", "2026-11-14"),
            ("2026-10-18", "2026-10-31"),
        ),
        ("w45", ("2026-11-02", "2026-11-08"), ("2026-10-26", "2026-11-01")),
        ("W47", ("2026-11-16", "2026-11-22"), ("2026-11-09", "2026-11-15")),
        (
            "week vs 2026-10-01..2026-10-07",
            ("2026-11-15", "2026-11-21"),
            ("2026-10-01", "2026-10-07"),
        ),
        ("LAST-WEEK vs w40", ("2026-11-09", "2026-11-15"), ("2026-09-28", "2026-10-04")),
    ],
)
def test_periods(text: str, period: tuple[str, str], compare: tuple[str, str]) -> None:
    request = parse_kpi_text(text, today=TODAY, kpi_keys=KEYS)
    assert (request.period.start.isoformat(), request.period.end.isoformat()) == period
    assert (request.compare.start.isoformat(), request.compare.end.isoformat()) == compare


def test_filters_charts_and_why() -> None:
    request = parse_kpi_text(
        "why aht last-week vendor:acme,Globex queue:impersonation chart", today=TODAY, kpi_keys=KEYS
    )
    assert request.action == "why"
    assert request.kpi == "aht"
    assert request.filters == {"vendor": ("acme", "Globex"), "queue": ("impersonation",)}
    assert request.chart


def test_canonical_text_parses_back_to_the_same_request() -> None:
    request = parse_kpi_text("28d vendor:acme vs 2026-01-01..2026-01-28", today=TODAY)
    again = parse_kpi_text(request.canonical(), today=date(2026, 12, 5))
    assert (again.period, again.compare, again.filters) == (
        request.period.__class__(request.period.start, request.period.end, again.period.label),
        request.compare.__class__(request.compare.start, request.compare.end, again.compare.label),
        request.filters,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "lastweek vendr:acme",
            "`lastweek` (did you mean `last-week`?); `vendr:` (did you mean `vendor:`?)",
        ),
        ("2026-12-01", "is in the future"),
        ("2026-11-10..2026-11-01", "empty range"),
        ("2025-01-01..2026-11-01", "at most a year"),
        ("400d", "between 1d and 366d"),
        ("w52", "has not started yet"),
        ("2026-02-30", "is not a date"),
        ("week month", "Give one period"),
        ("week vs", "`vs` needs a period"),
        ("vendor:", "has no value"),
        ("flavour:red", "`flavour:` (not a dimension)"),
        ("<!channel>", "`&lt;!channel&gt;`"),
    ],
)
def test_bad_input_says_what_was_not_understood(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_kpi_text(text, today=TODAY, kpi_keys=KEYS)
    assert message in caught.value.user_message
    assert "/kpi [PERIOD]" in caught.value.usage
