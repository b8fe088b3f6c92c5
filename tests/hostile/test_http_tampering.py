"""Forged, replayed, oversize and malformed requests over HTTP: refused, nothing written."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.fakes.jira_webhooks import jira_webhook_payload, sign_jira_webhook
from tests.hostile.support import table_counts
from tests.support.slack_requests import sign, slash_command

WEBHOOK_SECRET = "jira-webhook-secret-for-hostile-tests"
WATCHED = ("audit_event", "request_key", "escalation", "escalation_event", "outbox_job")
FILING = ("/escalate", 'sev2 impersonation "Forged outage"')


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"jira_webhook_secret": WEBHOOK_SECRET}


@pytest.fixture
def client(http_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=http_server, timeout=60) as client:
        yield client


def watched(engine: Engine) -> dict[str, int]:
    counts = table_counts(engine)
    return {name: counts[name] for name in WATCHED}


def _forged() -> list[tuple[str, str, dict[str, str]]]:
    body, headers = slash_command(*FILING)
    other_body, _ = slash_command(FILING[0], 'sev1 other "Another"')
    old = int(time.time()) - 6 * 60
    future = int(time.time()) + 6 * 60
    cases = [
        ("body changed after signing", body.replace("Forged", "Altered"), headers),
        ("signature of another body", other_body, headers),
        ("signature hex flipped", body, {**headers, "X-Slack-Signature": _flip(headers)}),
        ("wrong secret", *slash_command(*FILING, signing_secret="not-the-secret")),
        ("v1 scheme", body, {**headers, "X-Slack-Signature": "v1=" + headers["X-Slack-Signature"][3:]}),  # noqa: E501
        ("no signature", body, _without(headers, "X-Slack-Signature")),
        ("no timestamp", body, _without(headers, "X-Slack-Request-Timestamp")),
        ("empty signature", body, {**headers, "X-Slack-Signature": ""}),
        ("six minutes old", body, sign(body, timestamp=old)),
        ("six minutes ahead", body, sign(body, timestamp=future)),
        # A captured request re-sent with a fresh timestamp but its old signature.
        ("replayed with a new timestamp", body, {**headers, "X-Slack-Request-Timestamp": str(future - 300)}),  # noqa: E501
        ("timestamp not a number", body, {**headers, "X-Slack-Request-Timestamp": "now"}),
    ]  # fmt: skip
    return cases


def _flip(headers: dict[str, str]) -> str:
    signature = headers["X-Slack-Signature"]
    last = "0" if signature[-1] != "0" else "1"
    return signature[:-1] + last


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


# Built again inside each test: timestamps made at collection would age while the suite runs.
FORGED_NAMES = [c[0] for c in _forged()]


@pytest.mark.parametrize("case", range(len(FORGED_NAMES)), ids=FORGED_NAMES)
def test_forged_or_replayed_slack_request_is_401_and_writes_nothing(
    client: httpx.Client, engine: Engine, case: int
) -> None:
    _, body, headers = _forged()[case]
    before = watched(engine)
    response = client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert watched(engine) == before


def test_exact_replay_within_the_window_runs_once(client: httpx.Client, engine: Engine) -> None:
    body, headers = slash_command(*FILING)
    first = client.post("/slack/events", content=body, headers=headers)
    after_first = watched(engine)
    again = client.post("/slack/events", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "Forged outage" in first.text
    assert again.text == ""  # answered as a duplicate, the handler did not run
    after_again = watched(engine)
    assert after_first["escalation"] == after_again["escalation"] == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversize_body_is_413_and_writes_nothing(
    client: httpx.Client, engine: Engine, chunked: bool
) -> None:
    text = "x" * 1_100_000
    body, headers = slash_command("/suggest", text)
    before = watched(engine)

    def stream() -> Iterator[bytes]:
        data = body.encode()
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    content: Any = stream() if chunked else body
    for path in ("/slack/events", "/jira/webhook"):
        response = client.post(path, content=content, headers=headers)
        assert response.status_code == 413, path
        content = stream() if chunked else body
    assert watched(engine) == before


def _signed_form(fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    body = urlencode(fields)
    return body, sign(body)


def _malformed() -> list[tuple[str, str, dict[str, str]]]:
    return [
    ("payload not JSON", *_signed_form({"payload": "{not json"})),
    ("payload JSON list", *_signed_form({"payload": "[1, 2]"})),
    ("payload empty object", *_signed_form({"payload": "{}"})),
    ("block_actions without user", *_signed_form({"payload": json.dumps({"type": "block_actions", "actions": [{"action_id": "escalation_ack", "value": "1"}]})})),  # noqa: E501
    ("view_submission without view", *_signed_form({"payload": json.dumps({"type": "view_submission", "user": {"id": "U0ADMIN"}})})),  # noqa: E501
    ("view_submission with junk state", *_signed_form({"payload": json.dumps({"type": "view_submission", "user": {"id": "U0ADMIN"}, "view": {"id": "V1", "callback_id": "escalation_modal", "state": {"values": "junk"}, "private_metadata": "{"}})})),  # noqa: E501
    ("command without user", *_signed_form({"command": "/escalate", "text": "sev2 x \"y\""})),
    ("command with empty command", *_signed_form({"command": "", "text": "help", "user_id": "U0ADMIN"})),  # noqa: E501
    ("unknown command", *_signed_form({"command": "/nope", "text": "", "user_id": "U0ADMIN"})),
    ("empty body", "", sign("")),
    ("binary body", "\x00\xff\xfe", sign("\x00\xff\xfe")),
    ("JSON body not JSON", "{oops", sign("{oops", content_type="application/json")),
    ("JSON event without event", '{"type": "event_callback"}', sign('{"type": "event_callback"}', content_type="application/json")),  # noqa: E501
    ("url_verification without challenge", '{"type": "url_verification"}', sign('{"type": "url_verification"}', content_type="application/json")),  # noqa: E501
]  # fmt: skip


# Signed again inside each test: a signature made at collection would age past Slack's
# 5-minute window on a slow run.
MALFORMED_NAMES = [c[0] for c in _malformed()]


@pytest.mark.parametrize("case", range(len(MALFORMED_NAMES)), ids=MALFORMED_NAMES)
def test_malformed_signed_payload_is_refused_cleanly_and_writes_nothing_lasting(
    client: httpx.Client, engine: Engine, case: int
) -> None:
    _, body, headers = _malformed()[case]
    before = watched(engine)
    response = client.post(
        "/slack/events", content=body.encode("utf-8", "surrogateescape"), headers=headers
    )
    assert response.status_code in (200, 400, 404), (response.status_code, response.text)
    assert "Traceback" not in response.text
    after = watched(engine)
    # An audit line for a verified request is fine; nothing else may be written.
    for name in ("escalation", "escalation_event", "outbox_job", "request_key"):
        assert after[name] == before[name], name
    assert after["audit_event"] - before["audit_event"] <= 1


def _webhook() -> bytes:
    payload = jira_webhook_payload("jira:issue_updated", {"key": "ESC-1", "fields": {}})
    return json.dumps(payload).encode()


BODY = _webhook()
WEBHOOKS: list[tuple[str, bytes, dict[str, str]]] = [
    ("no signature", BODY, {}),
    ("empty signature", BODY, {"X-Hub-Signature": ""}),
    ("wrong secret", BODY, {"X-Hub-Signature": sign_jira_webhook(BODY, "not-the-secret")}),
    ("sha1 scheme", BODY, {"X-Hub-Signature": "sha1=" + sign_jira_webhook(BODY, WEBHOOK_SECRET)[7:]}),  # noqa: E501
    ("bare hex", BODY, {"X-Hub-Signature": sign_jira_webhook(BODY, WEBHOOK_SECRET)[7:]}),
    ("signature of another body", BODY + b" ", {"X-Hub-Signature": sign_jira_webhook(BODY, WEBHOOK_SECRET)}),  # noqa: E501
    ("truncated signature", BODY, {"X-Hub-Signature": sign_jira_webhook(BODY, WEBHOOK_SECRET)[:-2]}),  # noqa: E501
    ("upper-case hex", BODY, {"X-Hub-Signature": sign_jira_webhook(BODY, WEBHOOK_SECRET).upper().replace("SHA256=", "sha256=")}),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(WEBHOOKS)), ids=[c[0] for c in WEBHOOKS])
def test_unsigned_or_missigned_jira_webhook_is_401_and_writes_nothing(
    client: httpx.Client, engine: Engine, case: int
) -> None:
    _, body, headers = WEBHOOKS[case]
    before = table_counts(engine)
    response = client.post(
        "/jira/webhook",
        content=body,
        headers={**headers, "X-Atlassian-Webhook-Identifier": f"hostile-{case}"},
    )
    assert response.status_code == 401
    assert table_counts(engine) == before


@pytest.mark.parametrize("body", [b"{oops", b"[1, 2]", b'"text"', b"", b"\xff\xfe"])
def test_signed_jira_webhook_that_is_not_an_object_is_400_and_writes_nothing(
    client: httpx.Client, engine: Engine, body: bytes
) -> None:
    before = table_counts(engine)
    response = client.post(
        "/jira/webhook",
        content=body,
        headers={
            "X-Hub-Signature": sign_jira_webhook(body, WEBHOOK_SECRET),
            "X-Atlassian-Webhook-Identifier": "hostile-not-json",
        },
    )
    assert response.status_code == 400
    assert table_counts(engine) == before
