"""The ASGI app over real HTTP: Slack events, Jira webhook, health, readiness, metrics."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text

from bot.app import OpsbotApp, create_app
from bot.runtime import build_runtime
from bot.server import create_http_app
from bot.settings import Settings
from integrations.tracker.jira_webhook import TrackerChange, read_jira_webhook
from storage.engine import make_engine
from tests.fakes.jira_webhooks import sign_jira_webhook
from tests.support.servers import uvicorn_in_thread
from tests.support.slack_requests import slash_command

WEBHOOK_SECRET = "jira-webhook-secret-for-tests"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"jira_webhook_secret": WEBHOOK_SECRET}


def test_slash_command_over_http(http_server: str) -> None:
    body, headers = slash_command("/opsbot", "help")
    response = httpx.post(f"{http_server}/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert "/opsbot help" in response.json()["text"]


def test_bad_signature_over_http_is_401(http_server: str) -> None:
    body, headers = slash_command("/opsbot", "help")
    response = httpx.post(f"{http_server}/slack/events", content=body + "x", headers=headers)
    assert response.status_code == 401


def test_health_ready_and_metrics(http_server: str) -> None:
    assert httpx.get(f"{http_server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{http_server}/readyz").json() == {"status": "ready"}
    body, headers = slash_command("/opsbot", "help")
    httpx.post(f"{http_server}/slack/events", content=body, headers=headers)
    metrics = httpx.get(f"{http_server}/metrics").text
    assert 'opsbot_requests_total{name="/opsbot",outcome="ok"} 1.0' in metrics


def test_readyz_is_503_while_migrations_are_pending(
    settings: Settings, empty_database_url: str
) -> None:
    engine = make_engine(empty_database_url)
    runtime = build_runtime(settings, engine=engine)
    with uvicorn_in_thread(create_http_app(create_app(runtime))) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "migrations pending"


def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    runtime = build_runtime(settings, engine=engine)
    with uvicorn_in_thread(create_http_app(create_app(runtime))) as url:
        response = httpx.get(f"{url}/readyz", timeout=60)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_oversize_body_is_413(http_server: str) -> None:
    response = httpx.post(f"{http_server}/slack/events", content=b"x" * 1_100_000)
    assert response.status_code == 413


def test_jira_webhook_without_or_with_wrong_signature_is_401(http_server: str) -> None:
    body = json.dumps({"webhookEvent": "jira:issue_updated"}).encode()
    assert httpx.post(f"{http_server}/jira/webhook", content=body).status_code == 401
    wrong = sign_jira_webhook(body, "not-the-secret")
    response = httpx.post(
        f"{http_server}/jira/webhook", content=body, headers={"X-Hub-Signature": wrong}
    )
    assert response.status_code == 401


def test_jira_webhook_signed_is_dispatched_once_per_delivery(app: OpsbotApp) -> None:
    received: list[TrackerChange] = []

    async def sink(change: TrackerChange) -> None:
        received.append(change)

    app.runtime.jira_webhook_sinks.append(sink)
    body = json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 1}).encode()
    headers = {
        "X-Hub-Signature": sign_jira_webhook(body, WEBHOOK_SECRET),
        "X-Atlassian-Webhook-Identifier": "delivery-1",
        "Content-Type": "application/json",
    }
    with uvicorn_in_thread(create_http_app(app)) as url:
        first = httpx.post(f"{url}/jira/webhook", content=body, headers=headers)
        again = httpx.post(f"{url}/jira/webhook", content=body, headers=headers)
        not_json = b"{nope"
        bad = httpx.post(
            f"{url}/jira/webhook",
            content=not_json,
            headers={"X-Hub-Signature": sign_jira_webhook(not_json, WEBHOOK_SECRET)},
        )
    assert (first.status_code, again.status_code, bad.status_code) == (200, 200, 400)
    assert again.json() == {"status": "duplicate"}
    assert received == [read_jira_webhook({"webhookEvent": "jira:issue_updated", "timestamp": 1})]


def test_jira_webhook_refused_when_no_secret_configured(settings: Settings, engine: object) -> None:
    unsigned = settings.model_copy(update={"jira_webhook_secret": None})
    runtime = build_runtime(unsigned, engine=engine)  # type: ignore[arg-type]
    body = b"{}"
    with uvicorn_in_thread(create_http_app(create_app(runtime))) as url:
        response = httpx.post(
            f"{url}/jira/webhook",
            content=body,
            headers={"X-Hub-Signature": sign_jira_webhook(body, "")},
        )
    assert response.status_code == 401
    with runtime.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM request_key")).scalar() == 0
