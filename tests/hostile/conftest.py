"""Hostile-input tests: a fixed, reproducible hypothesis profile (derandomized, no deadline)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# One profile for CI and laptops alike: the same examples on every run, so a red run is
# reproducible; HOSTILE_EXAMPLES raises the count for a longer local hunt.
settings.register_profile(
    "hostile",
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE = settings.get_profile("hostile")
