"""Scheduled HTTP pull (httpx transport in the constructor), spike alerts once, digest section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.digest import DigestWindow
from commands.kpi.pull import PullLoop
from storage.kpi import KpiFact

END = date(2026, 11, 20)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Point the pull at a fake export and announce spikes in C0ALERTS."""
    return {
        "opsbot_kpi_source_url": "http://127.0.0.1:9/export",
        "opsbot_kpi_source_token": "source-token-123",
        "opsbot_alerts_channel": "C0OPS",
    }


def _rows() -> list[dict[str, Any]]:
    rng = np.random.default_rng(11)
    rows = []
    for offset in range(120):
        day = END - timedelta(days=119 - offset)
        for vendor in ("acme", "globex"):
            incoming = int(rng.poisson(400 * (0.6 if day.weekday() >= 5 else 1.0)))
            if vendor == "acme" and day == END - timedelta(days=1):
                incoming = int(incoming * 1.7)
            rows.append({"date": day.isoformat(), "vendor": vendor, "incoming": incoming})
    return rows


def _export(
    rows: list[dict[str, Any]], *, fail_first: int = 0
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    page = 100

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= fail_first:
            return httpx.Response(503, headers={"Retry-After": "0"})
        cursor = int(request.url.params.get("cursor", "0"))
        chunk = rows[cursor : cursor + page]
        more = cursor + page < len(rows)
        return httpx.Response(
            200, json={"rows": chunk, "next_cursor": str(cursor + page) if more else None}
        )

    return httpx.MockTransport(handler), seen


def _facts(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.execute(select(func.count()).select_from(KpiFact)).scalar_one())


async def test_pull_imports_pages_with_retries_and_alerts_spikes_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    rows = _rows()
    transport, seen = _export(rows, fail_first=1)
    loop = PullLoop(runtime, runtime.kpi_registry, transport=transport)
    assert await loop.run_once()
    assert _facts(runtime) == len(rows)
    assert all(r.headers["Authorization"] == "Bearer source-token-123" for r in seen)
    assert len(seen) == 1 + (len(rows) + 99) // 100  # one 503 retried, then every page
    alerts = [m["text"] for m in local_slack.messages("C0OPS")]
    spike = [a for a in alerts if "vendor:acme" in a and "Total incoming" in a]
    assert len(spike) == 1 and "for a Thursday" in spike[0] and "z " in spike[0]
    # The same data again: replaced, not added; the spike is not announced twice.
    transport, _ = _export(rows)
    loop.transport = transport
    assert await loop.run_once()
    assert _facts(runtime) == len(rows)
    assert [m["text"] for m in local_slack.messages("C0OPS")] == alerts
    assert 'opsbot_jobs_total{job="kpi_pull",outcome="ok"} 2.0' in runtime.metrics.render().decode()


async def test_a_bad_page_leaves_nothing_and_is_counted(runtime: Runtime) -> None:
    rows = _rows()
    rows[150]["incoming"] = -3
    transport, _ = _export(rows)
    loop = PullLoop(runtime, runtime.kpi_registry, transport=transport)
    assert not await loop.run_once()
    assert _facts(runtime) == 0
    transport, _ = _export(rows, fail_first=10)
    loop.transport = transport
    assert not await loop.run_once()
    metrics = runtime.metrics.render().decode()
    assert 'opsbot_jobs_total{job="kpi_pull",outcome="refused"} 2.0' in metrics


async def test_digest_section_for_a_vendor(runtime: Runtime) -> None:
    transport, _ = _export(_rows())
    loop = PullLoop(runtime, runtime.kpi_registry, transport=transport)
    assert await loop.run_once()
    (source,) = [s for s in runtime.digest_sources if s.key == "kpi"]
    window = DigestWindow(
        vendor_slug="acme",
        start=END - timedelta(days=6),
        end=END,
        now=datetime(2026, 11, 23, 9, tzinfo=UTC),
        timezone="UTC",
    )
    with Session(runtime.engine) as session:
        section = source.section(session=session, window=window)
    assert section is not None and section.key == "kpi"
    assert section.lines[0].startswith("*Total incoming* ")
    previous = END - timedelta(days=7)
    assert f"vs {previous - timedelta(days=6)} – {previous}" in section.lines[0]
    assert any("spike" in line and "vendor:acme" in line for line in section.lines)
    assert any(line.startswith("*AHT* no data") for line in section.lines)
