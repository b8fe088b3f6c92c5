"""The share of a change the causes explain counts each leaf once, however the causes nest."""

from __future__ import annotations

import numpy as np
import pytest

from commands.kpi.rootcause_describe import describe, explained_share
from commands.kpi.rootcause_table import LeafTable

# reason × queue: refund × billing and refund × fraud carry the change, other leaves are flat.
REASONS = np.array(["refund", "login"])
QUEUES = np.array(["billing", "fraud"])
CODES = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
EXPECTED = np.array([100.0, 100.0, 100.0, 100.0])
ACTUAL = np.array([180.0, 120.0, 100.0, 100.0])  # change +100: 80 in refund×billing, 20 fraud
REFUND, REFUND_BILLING, LOGIN = ((0,), (0,)), ((0, 1), (0, 0)), ((0,), (1,))


def table(den: bool = False) -> LeafTable:
    return LeafTable(
        dims=("reason", "queue"),
        codes=CODES,
        values=(REASONS, QUEUES),
        actual=ACTUAL,
        expected=EXPECTED,
        actual_den=np.full(4, 1000.0) if den else None,
        expected_den=np.full(4, 1000.0) if den else None,
    )


def share_of(leaves: LeafTable, element: tuple[tuple[int, ...], tuple[int, ...]]) -> float:
    return describe(leaves, *element, score=1.0, strength=1.0).share


@pytest.mark.parametrize("den", [False, True], ids=["count", "ratio"])
def test_nested_causes_explain_their_union_not_the_sum(den: bool) -> None:
    leaves = table(den)
    shares = [share_of(leaves, REFUND), share_of(leaves, REFUND_BILLING)]
    assert shares == pytest.approx([1.0, 0.8])  # each alone is right; summed they pass 100 %
    together = explained_share(leaves, [REFUND, REFUND_BILLING], shares)
    assert together == pytest.approx(1.0)


def test_disjoint_causes_add_up() -> None:
    leaves = table()
    shares = [share_of(leaves, REFUND_BILLING), share_of(leaves, LOGIN)]
    assert explained_share(leaves, [REFUND_BILLING, LOGIN], shares) == pytest.approx(0.8)
    assert explained_share(leaves, [], []) == 0.0
