"""The /kpi renderers, fed hostile dimension values (imported data) and typed filters."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commands.kpi.grammar import KpiRequest, Period
from commands.kpi.registry import load_registry
from commands.kpi.rootcause import Localisation
from commands.kpi.rootcause_describe import RootCause
from commands.kpi.snapshot import BreakdownRow, KpiLine, Snapshot
from commands.kpi.views import render_breakdown, render_help, render_snapshot
from commands.kpi.why import WhyFinding
from commands.kpi.why_views import render_finding
from storage.kpi import DIMENSIONS, MEASURES
from tests.hostile.conftest import HOSTILE
from tests.hostile.test_view_limits import assert_valid_message, hostile_text, short_text

REGISTRY = load_registry(None)
END = date(2026, 11, 29)
PERIOD = Period(END - timedelta(days=6), END, "week")
COMPARE = Period(END - timedelta(days=13), END - timedelta(days=7), "the week before")
values = st.lists(st.one_of(short_text, hostile_text), min_size=1, max_size=4).map(tuple)
filters = st.dictionaries(st.sampled_from(list(DIMENSIONS)), values, max_size=3)


def _request(chosen: dict[str, tuple[str, ...]], kpi: str | None = None) -> KpiRequest:
    return KpiRequest("snapshot", PERIOD, COMPARE, dict(chosen), False, kpi)


def _sums(scale: float) -> dict[str, float | None]:
    return {m: 1000.0 * scale for m in MEASURES}


@HOSTILE
@given(chosen=filters, note=hostile_text)
def test_snapshot_and_help(chosen: dict[str, tuple[str, ...]], note: str) -> None:
    lines = tuple(
        KpiLine(kpi, 120.0, 100.0, (1.0, None, 3.0) * 10, f"spike {note}") for kpi in REGISTRY.kpis
    )
    snapshot = Snapshot(_request(chosen), chosen, lines, END)
    answer = render_snapshot(snapshot)
    assert_valid_message(answer)
    canonical = _request(chosen).canonical()
    for block in answer["blocks"]:
        for button in block.get("elements", []) if block["type"] == "actions" else []:
            value = button["value"]
            assert len(value) <= 2000
            # Whole values only: the handler parses them back into the same request.
            assert (json.loads(value)["q"] if value.startswith("{") else value) == canonical
    assert_valid_message(render_help(REGISTRY))


@HOSTILE
@given(chosen=filters, names=st.lists(st.one_of(short_text, hostile_text), max_size=30))
def test_breakdown(chosen: dict[str, tuple[str, ...]], names: list[str]) -> None:
    rows = [BreakdownRow(name, _sums(2.0), _sums(1.0)) for name in names]
    for dimension in DIMENSIONS:
        answer = render_breakdown(
            rows, dimension=dimension, request=_request(chosen), registry=REGISTRY
        )
        assert_valid_message(answer)


@HOSTILE
@given(
    chosen=filters,
    elements=st.lists(
        st.dictionaries(st.sampled_from(list(DIMENSIONS)), hostile_text, min_size=1),
        min_size=1,
        max_size=5,
    ),
)
def test_why_finding(chosen: dict[str, tuple[str, ...]], elements: list[dict[str, str]]) -> None:
    causes = tuple(
        RootCause(elements=e, score=0.9, actual=300.0, expected=100.0, share=0.8, kind="rate")
        for e in elements
    )
    localisation = Localisation(
        root_causes=causes, elapsed_ms=1.0, anomalous_leaves=3, confidence=0.9, explained=0.8
    )
    for key in ("manual_incoming", "aht"):
        kpi = REGISTRY.get(key)
        assert kpi is not None
        finding = WhyFinding(kpi, _request(chosen, key), chosen, 120.0, 100.0, localisation)
        answer = render_finding(finding)
        assert_valid_message(answer)
        button = answer["blocks"][-1]["elements"][0]
        assert json.loads(button["value"])["title"]  # a whole document, never a cut one
        assert_valid_message(render_finding(replace(finding, localisation=None)))
