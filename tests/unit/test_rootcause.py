"""Root-cause localisation on small hand-built cubes with known causes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.kpi.rootcause import Localisation, localise
from commands.kpi.rootcause_table import LeafTable

DIMS = ("region", "vendor", "queue", "channel")
VALUES = (
    ("emea", "amer", "apac", "latam"),
    ("acme", "globex", "initech"),
    ("billing", "fraud", "impersonation", "refunds", "spam"),
    ("chat", "email", "phone"),
)
ROWS: list[tuple[str, ...]] = list(itertools.product(*VALUES))

Cause = frozenset[tuple[str, str]]


def cube(
    causes: Mapping[Cause, float], *, seed: int = 3, noise: float = 0.005
) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray]:
    """Return rows, actual and expected with each cause scaling its leaves by 1 + shift."""
    rng = np.random.default_rng(seed)
    expected = rng.uniform(20.0, 200.0, len(ROWS))
    actual = expected * (1.0 + rng.normal(0.0, noise, len(ROWS)))
    for cause, shift in causes.items():
        for i, row in enumerate(ROWS):
            leaf = dict(zip(DIMS, row, strict=True))
            if all(leaf[d] == v for d, v in cause):
                actual[i] *= 1.0 + shift
    return ROWS, actual, expected


def found(result: Localisation) -> set[Cause]:
    return {frozenset(c.elements.items()) for c in result.root_causes}


def additive(causes: Mapping[Cause, float], **kwargs: float) -> LeafTable:
    rows, actual, expected = cube(causes, **kwargs)  # type: ignore[arg-type]
    return LeafTable.from_rows(DIMS, rows, actual=actual, expected=expected)


def cause(**elements: str) -> Cause:
    return frozenset(elements.items())


def test_single_cause_at_depth_one() -> None:
    truth = {cause(vendor="acme"): 0.4}
    result = localise(additive(truth))
    assert found(result) == set(truth)
    (only,) = result.root_causes
    assert only.actual == pytest.approx(only.expected * 1.4, rel=0.01)
    assert only.score == pytest.approx(1.0)
    assert only.share == pytest.approx(1.0, abs=0.05)


def test_one_cause_at_depth_two_is_neither_ancestor_nor_descendant() -> None:
    truth = {cause(vendor="globex", queue="impersonation"): -0.3}
    assert found(localise(additive(truth))) == set(truth)


def test_two_causes_at_different_depths() -> None:
    truth = {
        cause(region="apac"): 0.5,
        cause(vendor="initech", queue="fraud", channel="email"): -0.6,
    }
    assert found(localise(additive(truth))) == set(truth)


def test_three_causes_at_depth_three() -> None:
    truth = {
        cause(region="emea", vendor="acme", queue="spam"): 0.7,
        cause(region="amer", queue="refunds", channel="chat"): -0.4,
        cause(vendor="globex", queue="billing", channel="phone"): 0.25,
    }
    assert found(localise(additive(truth), top_k=None)) == set(truth)


def test_causes_are_ranked_by_score_and_cut_at_top_k() -> None:
    truth = {cause(region="latam"): 0.9, cause(queue="spam", channel="chat"): 0.2}
    result = localise(additive(truth), top_k=1)
    assert found(result) == {cause(region="latam")}
    everything = localise(additive(truth), top_k=None).root_causes
    assert [c.score for c in everything] == sorted((c.score for c in everything), reverse=True)


def test_no_anomaly_gives_no_cause() -> None:
    result = localise(additive({}, noise=0.01))
    assert result.root_causes == ()
    assert result.elapsed_ms >= 0.0


def test_identical_actual_and_expected_gives_no_cause() -> None:
    rows, _, expected = cube({})
    table = LeafTable.from_rows(DIMS, rows, actual=expected, expected=expected)
    assert localise(table).root_causes == ()


def test_zeros_in_forecast_new_slice_and_empty_leaves() -> None:
    rows, actual, expected = cube({})
    is_new = np.array([row[2] == "spam" and row[1] == "acme" for row in rows])
    empty = np.array([row[0] == "latam" and row[3] == "phone" for row in rows])
    expected[is_new] = 0.0
    expected[empty], actual[empty] = 0.0, 0.0
    table = LeafTable.from_rows(DIMS, rows, actual=actual, expected=expected)
    assert found(localise(table)) == {cause(vendor="acme", queue="spam")}


def ratio_table(kind: str) -> LeafTable:
    """Build an AHT cube (seconds / handled) where acme's fraud slice is slow."""
    rng = np.random.default_rng(11)
    handled = rng.integers(20, 200, len(ROWS)).astype(float)
    aht = rng.uniform(250.0, 350.0, len(ROWS))
    slow = np.array([row[1] == "acme" and row[2] == "fraud" for row in ROWS])
    aht[slow] *= 2.0
    seconds = handled * aht
    actual_handled = handled * (1.0 + rng.normal(0.0, 0.003, len(ROWS)))
    actual_seconds = seconds * (1.0 + rng.normal(0.0, 0.003, len(ROWS)))
    if kind == "mix":
        # Three times the volume at the same AHT: the overall AHT rises through mix alone.
        actual_handled[slow] *= 3.0
        actual_seconds[slow] *= 3.0
    else:
        actual_seconds[slow] *= 1.5
    return LeafTable.from_rows(
        DIMS,
        ROWS,
        actual=actual_seconds,
        expected=seconds,
        actual_den=actual_handled,
        expected_den=handled,
    )


@pytest.mark.parametrize("kind", ["mix", "rate"])
def test_ratio_kpi_labels_mix_shift_and_rate_change(kind: str) -> None:
    result = localise(ratio_table(kind))
    (only,) = result.root_causes
    assert dict(only.elements) == {"vendor": "acme", "queue": "fraud"}
    assert only.kind == kind
    assert only.mix is not None
    assert only.rate is not None
    # The two terms of the one cause account for the whole change in overall AHT.
    assert only.share == pytest.approx(1.0, abs=0.05)
    if kind == "mix":
        assert only.actual == pytest.approx(only.expected, rel=0.01)
        assert only.actual_den == pytest.approx(3.0 * (only.expected_den or 0.0), rel=0.01)
    else:
        assert only.actual == pytest.approx(1.5 * only.expected, rel=0.01)


def test_leaf_table_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="one value per row"):
        LeafTable.from_rows(DIMS, ROWS, actual=np.ones(len(ROWS)), expected=np.ones(3))
    with pytest.raises(ValueError, match="both actual_den"):
        LeafTable.from_rows(
            DIMS,
            ROWS,
            actual=np.ones(len(ROWS)),
            expected=np.ones(len(ROWS)),
            actual_den=np.ones(len(ROWS)),
        )


cause_strategy = st.lists(
    st.tuples(st.sampled_from(range(len(DIMS))), st.integers(0, 2)), min_size=1, max_size=3
).map(lambda pairs: frozenset((DIMS[d], VALUES[d][v]) for d, v in dict(pairs).items()))


@settings(max_examples=25, deadline=None)
@given(
    truth=cause_strategy,
    shift=st.sampled_from([-0.5, -0.2, 0.3, 0.8]),
    order=st.randoms(use_true_random=False),
    suffix=st.text("xyz", min_size=1, max_size=3),
)
def test_row_order_and_value_names_do_not_change_the_answer(
    truth: Cause, shift: float, order: object, suffix: str
) -> None:
    rows, actual, expected = cube({truth: shift})
    baseline = localise(LeafTable.from_rows(DIMS, rows, actual=actual, expected=expected))
    assert found(baseline) == {truth}

    permutation = list(range(len(rows)))
    order.shuffle(permutation)  # type: ignore[attr-defined]
    # Renaming reverses the sort order of values, so codes change as well as names.
    rename = {v: f"{suffix}{99 - i}" for values in VALUES for i, v in enumerate(values)}
    renamed_rows = [tuple(rename[v] for v in rows[i]) for i in permutation]
    shuffled = localise(
        LeafTable.from_rows(
            DIMS, renamed_rows, actual=actual[permutation], expected=expected[permutation]
        )
    )
    assert found(shuffled) == {frozenset((d, rename[v]) for d, v in truth)}
    assert [c.score for c in shuffled.root_causes] == pytest.approx(
        [c.score for c in baseline.root_causes]
    )


def ratio_cube(*, volume_growth: float = 1.0, slow_rate: float = 1.0, seed: int = 4) -> LeafTable:
    """An AHT cube (seconds / handled) with count-like noise, on a 5 x 6 x 8 x 4 grid."""
    rng = np.random.default_rng(seed)
    rows = list(
        itertools.product(
            *[[f"{d}{i}" for i in range(k)] for d, k in zip("abcd", (5, 6, 8, 4), strict=True)]
        )
    )
    handled = rng.poisson(60.0, len(rows)).astype(float) + 1.0
    aht = np.array([300.0 + 40.0 * int(row[0][1]) for row in rows])
    actual_handled = rng.poisson(handled * volume_growth).astype(float)
    slow = np.array([row[1] == "b2" for row in rows])
    actual_aht = aht * np.where(slow, slow_rate, 1.0) * rng.lognormal(0.0, 0.03, len(rows))
    return LeafTable.from_rows(
        ("a", "b", "c", "d"),
        rows,
        actual=actual_handled * actual_aht,
        expected=handled * aht,
        actual_den=actual_handled,
        expected_den=handled,
    )


def test_volume_growing_everywhere_is_not_a_cause_of_a_ratio() -> None:
    # Every slice handles 30 % more at the same AHT: the AHT did not move because of any slice.
    result = localise(ratio_cube(volume_growth=1.3), top_k=None)
    assert result.root_causes == ()


def test_ratio_rate_change_under_volume_growth_is_the_one_cause() -> None:
    result = localise(ratio_cube(volume_growth=1.3, slow_rate=1.2), top_k=None)
    (only,) = result.root_causes
    assert dict(only.elements) == {"b": "b2"}
    assert only.kind == "rate"
    assert result.confidence > 0.5


def test_pure_noise_on_a_large_cube_gives_no_cause_and_says_so() -> None:
    rng = np.random.default_rng(8)
    cards = (6, 36, 10, 10)
    rows = list(
        itertools.product(
            *[[f"{d}{i}" for i in range(k)] for d, k in zip("abcd", cards, strict=True)]
        )
    )
    expected = rng.lognormal(3.0, 1.8, len(rows))
    expected[rng.random(len(rows)) < 0.4] = 0.0
    # Count-like noise: small leaves swing by tens of percent, large ones by a percent.
    spread = np.minimum(0.05 / np.sqrt(np.maximum(expected, 1e-9) / 20.0), 0.5)
    actual = np.maximum(expected * (1.0 + rng.normal(0.0, 1.0, len(rows)) * spread), 0.0)
    result = localise(LeafTable.from_rows("abcd", rows, actual=actual, expected=expected))
    assert result.root_causes == ()
    assert result.noise_only
    assert 0 < len(result.checked) <= 5
    assert all(c.reason for c in result.checked)


def test_an_even_move_everywhere_is_reported_as_even_not_as_slices() -> None:
    truth = {cause(region=r): 0.3 for r in VALUES[0]}  # every region +30 %: the whole cube
    result = localise(additive(truth), top_k=None)
    assert result.root_causes == ()
    assert result.even_rest == pytest.approx(1.0)
    assert {c.reason for c in result.checked} == {"moved about as much as the rest of the data"}


def test_a_cause_carries_its_strength_and_the_share_explained() -> None:
    result = localise(additive({cause(vendor="acme", queue="spam"): 0.6}))
    (only,) = result.root_causes
    assert only.strength > 10
    assert result.explained == pytest.approx(1.0, abs=0.05)
    assert result.confidence == pytest.approx(1.0, abs=0.05)


def _sparse_counts(seed: int) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray]:
    """Return a 4 x 9 x 7 x 4 x 4 cube of cases per leaf, most leaves holding 0 to 3 of them."""
    values = [[f"{d}{i}" for i in range(k)] for d, k in zip("abcde", (4, 9, 7, 4, 4), strict=True)]
    rows = list(itertools.product(*values))
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.7, 1.5, len(rows))
    return rows, rng.poisson(rate).astype(float), rng.poisson(rate).astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_sparse_counts_with_poisson_noise_give_no_cause(seed: int) -> None:
    rows, now, before = _sparse_counts(seed)
    result = localise(LeafTable.from_rows(tuple("abcde"), rows, actual=now, expected=before))
    assert result.root_causes == ()


def test_a_doubled_slice_of_sparse_counts_is_found() -> None:
    rows, now, before = _sparse_counts(11)
    rng = np.random.default_rng(12)
    inside = np.array([r[1] == "b3" for r in rows])
    now[inside] = rng.poisson(2.0 * before[inside] + 0.5)
    result = localise(LeafTable.from_rows(tuple("abcde"), rows, actual=now, expected=before))
    assert found(result) == {cause(b="b3")}


@pytest.mark.parametrize("seed", range(4))
def test_a_proportion_of_few_cases_per_leaf_finds_only_its_planted_rise(seed: int) -> None:
    rows, cases_now, cases_before = _sparse_counts(20 + seed)
    rng = np.random.default_rng(seed)
    inside = np.array([r[0] == "a2" for r in rows])
    share = np.where(inside, 0.5, 0.2)
    hits_now = rng.binomial(cases_now.astype(int), share).astype(float)
    hits_before = rng.binomial(cases_before.astype(int), 0.2).astype(float)
    table = LeafTable.from_rows(
        tuple("abcde"),
        rows,
        actual=hits_now,
        expected=hits_before,
        actual_den=cases_now,
        expected_den=cases_before,
    )
    result = localise(table, top_k=None)
    assert found(result) == {cause(a="a2")}
    assert result.root_causes[0].kind == "rate"
