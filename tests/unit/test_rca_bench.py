"""The bench generators keep the published properties; its baselines do what the papers say."""

from __future__ import annotations

import numpy as np
import pytest

from bench.rca_baselines import adtributor, riskloc
from bench.rca_bench import run
from bench.rca_generators import (
    HELD_OUT_SEEDS,
    TUNING_SEEDS,
    make_case,
    squeeze_b,
)
from commands.kpi.rootcause import localise


def test_seed_ranges_do_not_overlap() -> None:
    assert set(TUNING_SEEDS).isdisjoint(HELD_OUT_SEEDS)


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_squeeze_b_cases_have_the_files_properties(layer: int) -> None:
    case = squeeze_b(np.random.default_rng(layer), 0, layer, 3)
    table = case.table
    assert table.n_rows == 6 * 36 * 10 * 10
    zero = (table.actual == 0) & (table.expected == 0)
    assert 0.36 <= zero.mean() <= 0.45
    sizes = table.expected[table.expected > 0]
    assert np.percentile(sizes, 99) / np.median(sizes) > 20  # heavy-tailed
    # Every cause is in one cuboid at the asked layer.
    assert len(case.truth) == 3
    assert {len(c) for c in case.truth} == {layer}
    assert len({frozenset(d for d, _ in c) for c in case.truth}) == 1
    inside = np.zeros(table.n_rows, dtype=np.bool_)
    for cause in case.truth:
        mask = np.ones(table.n_rows, dtype=np.bool_)
        for dim, value in cause:
            j = table.dims.index(dim)
            mask &= table.values[j][table.codes[:, j]] == value
        inside |= mask
        moved = (
            table.actual[mask & (table.expected > 0)] / table.expected[mask & (table.expected > 0)]
        )
        assert np.std(moved) > 0.01  # the magnitude varies within an element
    normal = ~inside & (table.expected > 0)
    error = np.abs(table.actual[normal] - table.expected[normal]) / table.expected[normal]
    assert 0.007 <= float(np.median(error)) <= 0.013
    assert np.percentile(error, 99) > 5 * np.median(error)  # with a long tail


def test_riskloc_l_cases_put_causes_on_the_last_layer_only() -> None:
    case = make_case("L", "-", 3)
    assert case.table.n_rows == 10 * 24 * 10 * 15
    assert 1 <= len(case.truth) <= 5
    assert {len(c) for c in case.truth} == {4}


def test_baselines_find_an_obvious_single_dimension_cause() -> None:
    case = make_case("B0", "L1-c1", 5)
    (truth,) = case.truth
    found, _ = riskloc(case.table)
    assert [frozenset(f.items()) for f in found] == [truth]
    found, _ = adtributor(case.table)
    assert [frozenset(f.items()) for f in found] == [truth]
    assert {frozenset(c.elements.items()) for c in localise(case.table).root_causes} == {truth}


def test_the_bench_prints_every_method_on_the_same_cases() -> None:
    lines = run({"B0", "noise"}, 1, 0, HELD_OUT_SEEDS, ["opsbot", "riskloc", "adtributor"])
    rows = [line for line in lines if line.startswith(("B0", "noise"))]
    assert len(rows) == 10
    assert all("opsbot" in r and "riskloc" in r and "adtributor" in r for r in rows)
    assert lines[-1].startswith("median F1")


def test_flat_b_noise_keeps_small_leaves_as_exact_as_large_ones() -> None:
    case = squeeze_b(np.random.default_rng(4), 0, 1, 1, noise="flat")
    table = case.table
    inside = np.zeros(table.n_rows, dtype=np.bool_)
    for dim, value in next(iter(case.truth)):
        j = table.dims.index(dim)
        inside |= table.values[j][table.codes[:, j]] == value
    normal = ~inside & (table.expected > 0)
    error = np.abs(table.actual - table.expected)[normal] / table.expected[normal]
    size = table.expected[normal]
    small, large = error[size < np.median(size)], error[size >= np.median(size)]
    assert 0.007 <= float(np.median(error)) <= 0.013
    assert 0.8 <= float(np.median(small) / np.median(large)) <= 1.25
