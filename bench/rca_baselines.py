"""Published root-cause baselines, written from their papers in vectorised numpy.

RiskLoc (Kalander, "RiskLoc: Localization of Multi-dimensional Root Causes by Weighted
Risk", 2022), section 4:
  * deviation score d = 2(f - v) / (f + v) per leaf (0 when both are 0);
  * cut-off: the 6th most extreme distinct deviation on each side; the side whose value is
    closer to 0 is taken as normal, and its mirror image splits off the anomalous partition;
  * weights: |cut-off - d| for normal leaves, |d| for anomalous ones, capped at 1, 0 for
    leaves that are zero on both sides;
  * explanatory power ep = (v - f) / (V - F), signed so the anomalous partition's sum is > 0;
  * element search layer by layer: in each cuboid the elements holding an anomalous leaf are
    taken in falling ep (above the best found so far and above 2 % of the anomalous ep);
    the first whose risk = high risk - low risk reaches 0.5 is the cuboid's candidate; the
    layer's best candidate is the next root cause, its leaves are removed and the search
    starts again while the anomalous ep left is at least 2 % of the whole;
    high risk = Σw(anomalous) / (Σw(anomalous) + Σw(normal) + 1); low risk = mean |d'| /
    mean |d| over the element's non-zero leaves, d' the deviation from the element's own
    ripple-effect expectation a = f · V_S / F_S;
  * element pruning: layer-1 elements with no anomalous leaf or too little ep are not looked
    at again in deeper cuboids.

Adtributor (Bhagwan et al., NSDI 2014), section 3: per dimension the elements are sorted by
surprise (the Jensen-Shannon term of forecast vs actual share) and, of those with
explanatory power above T_EEP = 0.1, taken until their summed explanatory power passes
T_EP = 0.67; the candidate set with the largest summed surprise is the answer (the paper
shows operators its top 3; an exact-match benchmark scores its first). It finds single-
dimension causes only, by design.

Both work on additive measures; for a ratio KPI they are given the numerator alone.
"""

from __future__ import annotations

from itertools import combinations
from time import perf_counter

import numpy as np
from numpy.typing import NDArray

from commands.kpi.rootcause_table import LeafTable

Found = list[dict[str, str]]
_RISK_THRESHOLD = 0.5
_PEP_THRESHOLD = 0.02
_N_REMOVE = 5


def _key(
    codes: NDArray[np.int64], cards: tuple[int, ...], cuboid: tuple[int, ...]
) -> tuple[NDArray[np.int64], int]:
    key = np.zeros(codes.shape[0], dtype=np.int64)
    size = 1
    for d in cuboid:
        key = key * cards[d] + codes[:, d]
        size *= cards[d]
    return key, size


def riskloc(table: LeafTable) -> tuple[Found, float]:
    """Return RiskLoc's root-cause elements and the milliseconds it took."""
    started = perf_counter()
    v, f = table.actual, table.expected
    total = v + f
    d = np.where(total > 0, 2.0 * (f - v) / np.where(total > 0, total, 1.0), 0.0)
    distinct = np.unique(d)
    low = distinct[min(_N_REMOVE, distinct.size - 1)]
    high = distinct[max(distinct.size - 1 - _N_REMOVE, 0)]
    cutoff = -min(low, high, key=abs)
    anomalous = (
        d > cutoff if cutoff > 0 or (cutoff == 0 and np.copysign(1, cutoff) > 0) else d < cutoff
    )
    weight = np.where(anomalous, np.abs(d), np.abs(cutoff - d))
    weight[(v == 0) & (f == 0)] = 0.0
    weight = np.minimum(weight, 1.0)
    change = v.sum() - f.sum()
    ep = (v - f) / change if change else np.zeros_like(v)
    if ep[anomalous].sum() < 0:
        ep = -ep
    threshold = _PEP_THRESHOLD * float(ep[anomalous].sum())
    ep_pos = np.maximum(ep, 0.0)
    codes = table.codes.astype(np.int64)
    cards = tuple(int(x.size) for x in table.values)
    alive = np.ones(table.n_rows, dtype=np.bool_)
    pruned: dict[int, NDArray[np.bool_]] = {}
    found: Found = []
    while float(ep[alive & anomalous].sum()) >= threshold and threshold > 0:
        cause = _riskloc_layers(
            codes, cards, alive, anomalous, ep, ep_pos, weight, v, f, d, threshold, pruned
        )
        if cause is None:
            break
        cuboid, value = cause
        key, _ = _key(codes, cards, cuboid)
        alive &= key != value
        vals = np.unravel_index(value, tuple(cards[c] for c in cuboid))
        found.append(
            {table.dims[c]: table.decode(c, int(x)) for c, x in zip(cuboid, vals, strict=True)}
        )
    return found, (perf_counter() - started) * 1000.0


def _riskloc_layers(
    codes: NDArray[np.int64],
    cards: tuple[int, ...],
    alive: NDArray[np.bool_],
    anomalous: NDArray[np.bool_],
    ep: NDArray[np.float64],
    ep_pos: NDArray[np.float64],
    weight: NDArray[np.float64],
    v: NDArray[np.float64],
    f: NDArray[np.float64],
    d: NDArray[np.float64],
    threshold: float,
    pruned: dict[int, NDArray[np.bool_]],
) -> tuple[tuple[int, ...], int] | None:
    n_dims = codes.shape[1]
    for layer in range(1, n_dims + 1):
        best_ep, best = threshold, None
        for cuboid in combinations(range(n_dims), layer):
            rows = alive.copy()
            for dim in cuboid:
                if dim in pruned:
                    rows &= ~pruned[dim][codes[:, dim]]
            key, size = _key(codes, cards, cuboid)
            idx = np.flatnonzero(rows)
            k = key[idx]
            ep_sum = np.bincount(k, ep[idx], size)
            n_anom = np.bincount(k, anomalous[idx], size)
            if layer == 1:
                ez = np.bincount(k, ep_pos[idx], size)
                pruned[cuboid[0]] = (
                    pruned.get(cuboid[0], np.zeros(size, np.bool_))
                    | (ez < threshold)
                    | (n_anom == 0)
                )
            order = np.flatnonzero((n_anom > 0) & (ep_sum > best_ep))
            order = order[np.argsort(-ep_sum[order], kind="stable")]
            if not order.size:
                continue
            sort = np.argsort(k, kind="stable")
            sorted_keys = k[sort]
            for value in order:
                lo, hi = np.searchsorted(sorted_keys, [value, value + 1])
                sel = idx[sort[lo:hi]]
                if _risk(sel, anomalous, weight, v, f, d) >= _RISK_THRESHOLD:
                    best_ep, best = float(ep_sum[value]), (cuboid, int(value))
                    break
        if best is not None:
            return best
    return None


def _risk(
    sel: NDArray[np.int64],
    anomalous: NDArray[np.bool_],
    weight: NDArray[np.float64],
    v: NDArray[np.float64],
    f: NDArray[np.float64],
    d: NDArray[np.float64],
) -> float:
    w, a = weight[sel], anomalous[sel]
    n_anomaly = float(w[a].sum())
    high = n_anomaly / (n_anomaly + float(w[~a].sum()) + 1.0)
    vs, fs, ds = v[sel], f[sel], d[sel]
    nonzero = (vs != 0) & (fs != 0)
    low = 0.0
    if nonzero.any() and fs[nonzero].sum() > 0:
        vs, fs, ds = vs[nonzero], fs[nonzero], ds[nonzero]
        expect = fs * vs.sum() / fs.sum()
        dev = 2.0 * (expect - vs) / (expect + vs)
        mean_d = float(np.abs(ds).mean())
        low = float(np.abs(dev).mean()) / mean_d if mean_d else 0.0
    return high - low


def adtributor(table: LeafTable, *, teep: float = 0.1, tep: float = 0.67) -> tuple[Found, float]:
    """Return Adtributor's most surprising single-dimension element set and its milliseconds."""
    started = perf_counter()
    v, f = table.actual, table.expected
    big_v, big_f = float(v.sum()), float(f.sum())
    best: tuple[float, Found] | None = None
    for dim, name in enumerate(table.dims):
        size = int(table.values[dim].size)
        codes = table.codes[:, dim]
        a = np.bincount(codes, v, size)
        p_f = np.bincount(codes, f, size)
        ep = (a - p_f) / (big_v - big_f) if big_v != big_f else np.zeros(size)
        p = p_f / big_f if big_f else np.zeros(size)
        q = a / big_v if big_v else np.zeros(size)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_term = np.nan_to_num(p * np.log(2 * p / (p + q)))
            q_term = np.nan_to_num(q * np.log(2 * q / (p + q)))
        surprise = 0.5 * (p_term + q_term)
        order = np.argsort(-surprise, kind="stable")
        chosen: list[int] = []
        explained = 0.0
        for element in order:
            if ep[element] <= teep:
                continue
            chosen.append(int(element))
            explained += float(ep[element])
            if explained > tep:
                total_surprise = float(surprise[chosen].sum())
                if best is None or total_surprise > best[0]:
                    best = (total_surprise, [{name: table.decode(dim, c)} for c in chosen])
                break
    return (best[1] if best else []), (perf_counter() - started) * 1000.0
