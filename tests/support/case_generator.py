"""Realistic customer-case CSV, written without the project's code, with planted misroutes.

Every reason belongs to one queue. The routing rule sends most of a reason's cases there and
strays a few to random queues, from which they are transferred to the right one; a few
correctly routed cases are transferred away anyway. Each transfer adds `penalty_hours` to the
age at solve and a first-response delay. A planted rule sends a reason's cases to a wrong
queue, from which most of them move on to the reason's real queue.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from integrations.case_sources.records import CASE_COLUMNS

QUEUES = ("billing", "payments", "security", "support", "logistics", "returns", "accounts")
HOME = {
    "refund": "payments",
    "invoice-copy": "billing",
    "password-reset": "security",
    "hacked-account": "security",
    "where-is-my-parcel": "logistics",
    "return-label": "returns",
    "change-email": "accounts",
    "how-to": "support",
    "ambiguous-charge": "billing",
}


@dataclass(frozen=True)
class PlantedRule:
    """`reason` is routed to `wrong_queue` for `routed_share` of its cases; `moved_share`
    of those end in the reason's home queue after `penalty_hours` extra per transfer."""

    reason: str
    wrong_queue: str
    routed_share: float
    moved_share: float


@dataclass
class GeneratedCases:
    """The CSV text and what the generator knows the answer is."""

    csv_text: str
    cases: int
    weeks: float
    moved: dict[tuple[str, str, str], int] = field(default_factory=dict)


def generate_cases(
    *,
    seed: int,
    cases: int,
    start: datetime = datetime(2026, 10, 5, tzinfo=UTC),
    weeks: int = 4,
    stray_share: float = 0.12,
    transfer_away_share: float = 0.04,
    penalty_hours: float = 8.0,
    planted: tuple[PlantedRule, ...] = (),
    ambiguous_share: float = 0.45,
    id_prefix: str = "500",
) -> GeneratedCases:
    """Return `cases` rows spread over `weeks` weeks from `start`."""
    rng = random.Random(seed)
    rules = {rule.reason: rule for rule in planted}
    reasons = list(HOME)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CASE_COLUMNS)
    moved: dict[tuple[str, str, str], int] = {}
    span = weeks * 7 * 86400
    for number in range(cases):
        reason = rng.choice(reasons)
        home = HOME[reason]
        rule = rules.get(reason)
        if rule is not None and rng.random() < rule.routed_share:
            initial = rule.wrong_queue
            final = home if rng.random() < rule.moved_share else initial
        elif rng.random() < stray_share:
            initial = rng.choice([q for q in QUEUES if q != home])
            final = home
        else:
            initial = home
            final = home
            if reason == "ambiguous-charge" and rng.random() < ambiguous_share:
                final = "payments"  # a reason split between two teams: no clear rule
            elif rng.random() < transfer_away_share:
                final = rng.choice([q for q in QUEUES if q != home])
        transfers = 0 if initial == final else rng.choice((1, 1, 1, 2))
        if initial != final:
            moved[(reason, initial, final)] = moved.get((reason, initial, final), 0) + 1
        created = start + timedelta(seconds=rng.randrange(span))
        response = rng.uniform(0.2, 3.0) + 2.0 * transfers
        solve = max(response + 0.5, rng.lognormvariate(2.3, 0.5)) + penalty_hours * transfers
        solved = created + timedelta(hours=solve) if rng.random() < 0.93 else None
        writer.writerow(
            [
                f"{id_prefix}{number:012d}",
                created.isoformat().replace("+00:00", "Z"),
                rng.choice(("email", "chat", "web", "phone")),
                reason,
                initial,
                final,
                transfers if rng.random() < 0.95 else "",
                (created + timedelta(hours=response)).isoformat(),
                solved.isoformat() if solved else "",
                rng.choice(("acme", "globex", "initech")),
                rng.choice(("DE", "FR", "ES", "US")),
                rng.choice(("de", "fr", "es", "en")),
            ]
        )
    return GeneratedCases(csv_text=out.getvalue(), cases=cases, weeks=weeks, moved=moved)
