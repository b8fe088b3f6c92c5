"""A realistic year of daily KPI demo data, with a planted spike and a planted AHT drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session

from commands.kpi.importing import find_spikes
from commands.kpi.registry import KpiRegistry
from commands.kpi.spikes import SpikeParams
from storage.kpi_write import FactRow, replace_facts
from storage.vendors import upsert_vendor

QUEUES = (
    "account-integrity",
    "impersonation",
    "account-security",
    "copyright",
    "trademark",
    "compliance",
)
VENDORS = {
    "acme": ("Acme Support", "Asia/Manila"),
    "globex": ("Globex Services", "Europe/Dublin"),
    "initech": ("Initech BPO", "America/Bogota"),
    "umbrella": ("Umbrella Ops", "Africa/Casablanca"),
}
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "PH", "NG")
LANGUAGES = {"US": "en", "GB": "en", "DE": "de", "FR": "fr", "ES": "es", "IT": "en"}
LANGUAGES |= {"BR": "pt", "MX": "es", "IN": "en", "JP": "ja", "PH": "en", "NG": "en"}
CHANNELS = ("email", "chat", "web-form")
WEEKDAY_FACTOR = np.array([1.15, 1.12, 1.06, 1.0, 0.94, 0.62, 0.55])
SPIKE_DAYS_AGO = 3  # the planted spike: impersonation × acme manual_incoming +60%
DRIFT_DAYS = 21  # the planted drift: globex AHT +1 %/day over the last three weeks


@dataclass(frozen=True)
class DemoSummary:
    """What the KPI demo loader wrote."""

    rows: int
    first_day: date
    last_day: date
    spike_day: date
    new_spikes: int


def _combos(rng: np.random.Generator) -> list[tuple[str, str, str, str, str]]:
    combos: set[tuple[str, str, str, str, str]] = set()
    for vendor in VENDORS:
        queues = rng.choice(QUEUES, size=4, replace=False).tolist()
        if vendor == "acme" and "impersonation" not in queues:
            queues[0] = "impersonation"
        countries = rng.choice(COUNTRIES, size=10, replace=False).tolist()
        for queue in queues:
            for country in countries:
                language = LANGUAGES[country]
                languages = [language] if rng.random() < 0.5 else [language, "en"]
                for lang in dict.fromkeys(languages):
                    for channel in rng.choice(
                        CHANNELS, size=int(rng.integers(1, 4)), replace=False
                    ):
                        combos.add((queue, vendor, country, lang, str(channel)))
    return sorted(combos)


def generate(end: date, *, days: int = 365, seed: int = 7) -> tuple[list[FactRow], date]:
    """Return the demo rows for the `days` days ending `end`, and the spike's day."""
    rng = np.random.default_rng(seed)
    combos = _combos(rng)
    start = end - timedelta(days=days - 1)
    calendar = [start + timedelta(days=i) for i in range(days)]
    weekday = WEEKDAY_FACTOR[[d.weekday() for d in calendar]]
    trend = np.linspace(0.9, 1.1, days)
    spike_day = end - timedelta(days=SPIKE_DAYS_AGO)
    aht_base = {"acme": 420.0, "globex": 510.0, "initech": 380.0, "umbrella": 600.0}
    rows: list[FactRow] = []
    for queue, vendor, country, language, channel in combos:
        level = float(rng.lognormal(np.log(30), 0.5))
        incoming = rng.poisson(level * weekday * trend).astype(np.float64)
        manual_share = float(rng.uniform(0.35, 0.65))
        manual = rng.binomial(incoming.astype(np.int64), manual_share).astype(np.float64)
        if vendor == "acme" and queue == "impersonation":
            t = (spike_day - start).days
            extra = round(manual[t] * 0.6)
            manual[t] += extra
            incoming[t] += extra
        solved = np.minimum(rng.poisson(incoming * 0.97).astype(np.float64), incoming + 5)
        manual_solved = np.minimum(
            rng.binomial(solved.astype(np.int64), manual_share).astype(np.float64), solved
        )
        aht = aht_base[vendor] * rng.lognormal(0, 0.05, days)
        if vendor == "globex":
            aht[-DRIFT_DAYS:] *= 1 + 0.01 * np.arange(1, DRIFT_DAYS + 1)
        handle = np.round(manual_solved * aht)
        age = np.round(solved * 3600 * rng.lognormal(np.log(18), 0.15, days))
        dims = (queue, vendor, country, language, channel)
        for i, day in enumerate(calendar):
            rows.append(
                FactRow(
                    "day",
                    datetime.combine(day, time(0), tzinfo=UTC),
                    day,
                    dims,
                    (
                        incoming[i],
                        manual[i],
                        solved[i],
                        manual_solved[i],
                        handle[i],
                        manual_solved[i],
                        age[i],
                    ),
                )
            )
    return rows, spike_day


def load_kpi_demo(
    *, session: Session, end: date, registry: KpiRegistry, params: SpikeParams
) -> DemoSummary:
    """Write vendors and a year of KPIs ending `end` (idempotent: rows replace by key)."""
    for slug, (name, timezone) in VENDORS.items():
        upsert_vendor(session, slug=slug, name=name, timezone=timezone)
    rows, spike_day = generate(end)
    replace_facts(session.connection(), rows)
    new = find_spikes(session=session, registry=registry, params=params)
    return DemoSummary(len(rows), rows[0].day, end, spike_day, len(new))
