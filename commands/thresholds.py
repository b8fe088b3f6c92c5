"""Threshold comparisons shared by KPI rules and training pass-rate rules."""

from __future__ import annotations


def breaches(value: float, op: str, threshold: float) -> bool:
    """Tell whether `value op threshold` holds."""
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }[op]
