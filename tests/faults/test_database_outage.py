"""PostgreSQL 'restarts' behind a TCP proxy: /readyz goes 503 and back, requests fail politely."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.runtime import build_runtime
from bot.server import create_http_app
from bot.settings import Settings
from storage.engine import make_engine
from tests.support.servers import uvicorn_in_thread
from tests.support.slack_requests import slash_command
from tests.support.tcp_proxy import TcpProxy

# Generous: a guard against hangs, not a speed check (the bench measures speed).
HANG_GUARD = 60.0


@pytest.fixture
def proxied(backend: str, database_url: str) -> Iterator[tuple[TcpProxy, str]]:
    """Put a proxy between the app and this test's PostgreSQL database."""
    if backend != "postgresql":
        pytest.skip("the outage is simulated on PostgreSQL only (TEST_DATABASE_URL)")
    url = make_url(database_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield (
            proxy,
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        )


def _poll(client: httpx.Client, path: str, status: int, within: float) -> int:
    deadline = time.monotonic() + within
    while True:
        seen = client.get(path).status_code
        if seen == status or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def test_outage_then_recovery(proxied: tuple[TcpProxy, str], settings: Settings) -> None:
    proxy, url = proxied
    engine = make_engine(url)
    runtime = build_runtime(settings, engine=engine)
    with (
        uvicorn_in_thread(create_http_app(create_app(runtime))) as base,
        httpx.Client(base_url=base, timeout=HANG_GUARD) as client,
    ):
        assert client.get("/readyz").status_code == 200
        body, headers = slash_command("/escalation", "list")
        assert client.post("/slack/events", content=body, headers=headers).status_code == 200

        proxy.outage()
        assert _poll(client, "/readyz", 503, within=60) == 503
        timings = []
        for command, text in (("/escalation", "list"), ("/kpi", "week"), ("/opsbot", "help")):
            body, headers = slash_command(command, text)
            started = time.monotonic()
            response = client.post("/slack/events", content=body, headers=headers)
            timings.append((command, round(time.monotonic() - started, 2), response.status_code))
            # Politely: an ephemeral answer, or a clean error status Slack shows as a failure.
            assert response.status_code in (200, 500, 503), response.text
            assert "Traceback" not in response.text
            if response.status_code == 200 and response.text:
                assert response.json()["response_type"] == "ephemeral"
        print("during the outage (command, seconds, status):", timings)

        proxy.restore()
        assert _poll(client, "/readyz", 200, within=60) == 200
        answers = []
        for _ in range(3):  # pooled connections died in the outage; each must be replaced
            body, headers = slash_command("/escalation", "list")
            response = client.post("/slack/events", content=body, headers=headers)
            answers.append((response.status_code, "escalations" in response.text))
        assert answers == [(200, True)] * 3, answers
