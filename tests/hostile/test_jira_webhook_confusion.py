"""Signed Jira webhooks that try to confuse opsbot: borrowed labels, re-deliveries, bad fields."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import Escalation, EscalationEvent, list_escalations
from tests.fakes.jira_server import FakeJira
from tests.fakes.jira_webhooks import jira_webhook_payload, sign_jira_webhook, status_change
from tests.hostile.support import table_counts
from tests.integration.test_escalations import CHANNEL, SECRET, jira_workspace
from tests.support import slack_requests as sr


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return {**jira_workspace(fake_jira, local_slack), "opsbot_outbox_poll_seconds": 0.05}


def escalations(runtime: Runtime) -> dict[int, Escalation]:
    with unit_of_work(runtime.sessions) as session:
        return {e.id or 0: e for e in list_escalations(session, open_only=False)}


async def eventually(check: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def deliver(
    server: str, body: bytes, *, delivery: str | None = None, content_type: bool = True
) -> httpx.Response:
    headers = {"X-Hub-Signature": sign_jira_webhook(body, SECRET)}
    if content_type:
        headers["Content-Type"] = "application/json"
    if delivery is not None:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{server}/jira/webhook", content=body, headers=headers)


async def escalate(server: str, text: str) -> None:
    body, headers = sr.slash_command("/escalate", text, user_id="U0LEAD")
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(f"{server}/slack/events", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


async def file_two(server: str, runtime: Runtime) -> dict[int, Escalation]:
    """File two escalations over HTTP (the server's own loop runs the outbox)."""
    for title in ("First outage", "Second outage"):
        await escalate(server, f"sev2 impersonation {title}")
    await eventually(lambda: all(e.key and e.message_ts for e in escalations(runtime).values()))
    return escalations(runtime)


def thread_texts(local_slack: LocalSlack) -> list[str]:
    return [str(m.get("text")) for m in local_slack.messages(CHANNEL) if m.get("thread_ts")]


def borrowed(fake_jira: FakeJira, own_key: str, key: str, label: str) -> dict[str, Any]:
    """An issue `key` that is not ours, moved to Done, carrying one of our labels."""
    issue = copy.deepcopy(fake_jira.issues[own_key])
    issue["key"] = key
    issue["fields"]["labels"] = [label]
    issue["fields"]["status"] = fake_jira.state.status("Done")
    issue["fields"].pop("project", None)
    return jira_webhook_payload(
        "jira:issue_updated",
        issue,
        changelog=status_change("To Do", "Done"),
        timestamp_ms=int(time.time() * 1000) + 60_000,
    )


@pytest.mark.parametrize(
    "key", ["ESC-999", "EVIL-2", "esc-2x"], ids=["same-project", "other-project", "junk-key"]
)
async def test_our_label_on_another_issue_does_not_move_a_filed_escalation(
    http_server: str, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira, key: str
) -> None:
    filed = await file_two(http_server, runtime)
    first, second = filed[1], filed[2]
    payload = borrowed(fake_jira, str(second.key), key, f"opsbot-{second.id}")
    answer = await deliver(http_server, json.dumps(payload).encode(), delivery=f"d-{key}")
    assert answer.status_code == 200
    after = escalations(runtime)[2]
    assert (after.key, after.status) == (second.key, second.status)
    assert after.status_category != "done"
    # A genuine comment afterwards: once it is in a thread, a note about the move would be too.
    sentinel = jira_webhook_payload(
        "comment_created", fake_jira.issues[str(first.key)], comment="Sentinel comment"
    )
    assert (await deliver(http_server, json.dumps(sentinel).encode())).status_code == 200
    await eventually(lambda: any("Sentinel" in t for t in thread_texts(local_slack)))
    texts = thread_texts(local_slack)
    assert not [t for t in texts if "Done" in t], texts


@pytest.mark.parametrize(
    ("key", "adopted"), [("ESC-77", True), ("EVIL-77", False)], ids=["our-project", "other"]
)
async def test_label_fallback_only_names_an_unfiled_escalation_in_our_project(
    http_server: str, runtime: Runtime, fake_jira: FakeJira, key: str, adopted: bool
) -> None:
    fake_jira.down()  # the filing answer never comes: the webhook arrives first
    await escalate(http_server, "sev2 impersonation Early bird")
    (waiting,) = escalations(runtime).values()
    assert waiting.key is None
    issue = {
        "key": key,
        "fields": {
            "summary": "Early bird",
            "labels": [f"opsbot-{waiting.id}"],
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "project": {"key": key.split("-")[0]},
        },
    }
    payload = jira_webhook_payload(
        "jira:issue_updated", issue, changelog=status_change("To Do", "In Progress")
    )
    answer = await deliver(http_server, json.dumps(payload).encode(), delivery=f"early-{key}")
    assert answer.status_code == 200
    after = escalations(runtime)[waiting.id or 0]
    if adopted:
        assert (after.key, after.status) == (key, "In Progress")
    else:
        assert (after.key, after.status) == (None, waiting.status)


async def test_comment_delivered_twice_without_an_identifier_is_posted_once(
    http_server: str, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    filed = await file_two(http_server, runtime)
    issue = fake_jira.issues[str(filed[1].key)]
    payload = jira_webhook_payload("comment_created", issue, comment="Vendor confirmed the fix")
    body = json.dumps(payload).encode()
    # The same content again, serialised differently (key order, spacing), still one delivery.
    reserialised = json.dumps(payload, indent=2, sort_keys=True).encode()
    for copy_of in (body, body, reserialised):
        assert (await deliver(http_server, copy_of)).status_code == 200
    other = copy.deepcopy(payload)
    other["comment"]["id"], other["comment"]["body"] = "10777", "A second, different comment"
    assert (await deliver(http_server, json.dumps(other).encode())).status_code == 200
    await eventually(lambda: any("second, different" in t for t in thread_texts(local_slack)))
    texts = thread_texts(local_slack)
    assert sum("Vendor confirmed the fix" in t for t in texts) == 1, texts
    assert comment_events(runtime) == ["Vendor confirmed the fix", "A second, different comment"]


def comment_events(runtime: Runtime) -> list[str | None]:
    with unit_of_work(runtime.sessions) as session:
        statement = (
            select(EscalationEvent)
            .where(col(EscalationEvent.kind) == "comment")
            .order_by(col(EscalationEvent.id))
        )
        return [event.to_value for event in session.exec(statement)]


def _malformed() -> list[tuple[str, dict[str, Any]]]:
    issue = {"key": "ESC-1", "fields": {"labels": ["opsbot-1"]}}
    good = jira_webhook_payload("jira:issue_updated", issue, changelog=status_change("A", "B"))

    def with_(**changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(good), **changes}

    def nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
        body = copy.deepcopy(good)
        node = body
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        return body

    return [
        ("timestamp text", with_(timestamp="soon")),
        ("timestamp digits as text", with_(timestamp="1700000000000")),
        ("timestamp fraction", with_(timestamp=1.5)),
        ("timestamp bool", with_(timestamp=True)),
        ("timestamp negative", with_(timestamp=-1)),
        ("timestamp huge", with_(timestamp=10**30)),
        ("issue a string", with_(issue="ESC-1")),
        ("issue key a number", nested(("issue", "key"), 12)),
        ("fields a list", nested(("issue", "fields"), [1])),
        ("labels a string", nested(("issue", "fields", "labels"), "opsbot-1")),
        ("status category text", nested(("issue", "fields"), {"status": {"name": "Done", "statusCategory": "done"}})),  # noqa: E501
        ("changelog items an object", with_(changelog={"items": {"field": "status"}})),
        ("changelog item a string", with_(changelog={"items": ["status"]})),
        ("comment body an object", with_(webhookEvent="comment_created", comment={"id": "1", "body": {"x": 1}})),  # noqa: E501
        ("user a string", with_(user="mallory")),
    ]  # fmt: skip


MALFORMED = _malformed()


@pytest.mark.parametrize("case", range(len(MALFORMED)), ids=[c[0] for c in MALFORMED])
async def test_malformed_fields_are_400_and_write_nothing(
    http_server: str, engine: Engine, case: int
) -> None:
    _, payload = MALFORMED[case]
    before = table_counts(engine)
    answer = await deliver(http_server, json.dumps(payload).encode(), delivery=f"bad-{case}")
    assert answer.status_code == 400, answer.text
    assert "Traceback" not in answer.text
    assert table_counts(engine) == before
