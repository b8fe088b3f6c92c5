"""Event-loop lag over real HTTP: a deliberately blocked loop shows in /metrics and the log."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import OpsbotApp
from bot.server import create_http_app
from tests.support.servers import uvicorn_in_thread

BLOCK_SECONDS = 3.0
LAG = "opsbot_event_loop_lag_seconds"


def with_blocking_route(app: ASGIApp) -> ASGIApp:
    """Wrap the real app with `/test/block`, which holds the event loop for BLOCK_SECONDS."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/test/block":
            time.sleep(BLOCK_SECONDS)  # noqa: ASYNC251 - the stall under test
            await PlainTextResponse("blocked")(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped


def lag_samples(url: str) -> dict[str, float]:
    """Return the lag histogram's bucket counts by upper bound, and its total count."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != LAG:
            continue
        for sample in family.samples:
            if sample.name == f"{LAG}_bucket":
                values[sample.labels["le"]] = sample.value
            elif sample.name == f"{LAG}_count":
                values["count"] = sample.value
    return values


def wait_until(condition: object, *, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def stalls_over(samples: dict[str, float], bound: str) -> float:
    return samples.get("count", 0.0) - samples.get(bound, 0.0)


def test_a_blocked_loop_shows_in_the_histogram_and_the_log(
    app: OpsbotApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="opsbot.loop")
    with uvicorn_in_thread(with_blocking_route(create_http_app(app))) as url:
        wait_until(lambda: lag_samples(url).get("count", 0) > 0)  # the monitor is sampling
        before = stalls_over(lag_samples(url), "2.5")
        assert httpx.get(f"{url}/test/block", timeout=60).text == "blocked"
        wait_until(lambda: stalls_over(lag_samples(url), "2.5") > before)
    stalls = [r for r in caplog.records if r.name == "opsbot.loop"]
    assert any(r.getMessage().startswith("event loop stalled for") for r in stalls)
    worst = max(float(r.getMessage().split()[-2]) for r in stalls)
    assert worst >= 2500  # milliseconds: the 3 s block, less at most one sampling interval
