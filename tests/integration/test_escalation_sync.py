"""Jira and Slack in step over real HTTP: webhooks in order and out, buttons, 📝 reactions."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import Escalation, list_escalations
from tests.fakes.jira_server import FakeJira
from tests.fakes.jira_webhooks import jira_webhook_payload, sign_jira_webhook, status_change
from tests.integration.test_escalations import CHANNEL, SECRET, jira_workspace
from tests.support import slack_requests as sr
from tests.support.answers import settle


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return {**jira_workspace(fake_jira, local_slack), "opsbot_outbox_poll_seconds": 0.05}


def only(runtime: Runtime) -> Escalation:
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session, open_only=False)
    return escalation


async def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def post(url: str, body: bytes | str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(url, content=body, headers=headers)


def signed(
    payload: dict[str, Any], delivery: str, secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {
        "X-Hub-Signature": sign_jira_webhook(body, secret),
        "X-Atlassian-Webhook-Identifier": delivery,
        "Content-Type": "application/json",
    }


def issue_in(fake_jira: FakeJira, key: str, status: str) -> dict[str, Any]:
    issue = copy.deepcopy(fake_jira.issues[key])
    issue["fields"]["status"] = fake_jira.state.status(status)
    return issue


async def test_webhooks_over_http_keep_the_thread_in_step(
    http_server: str, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    body, headers = sr.slash_command(
        "/escalate", 'sev2 impersonation "Brand clones <!channel>"', user_id="U0LEAD"
    )
    answer = await post(f"{http_server}/slack/events", body, headers)
    assert answer.status_code == 200
    assert "&lt;!channel&gt;" in answer.json()["text"]
    await eventually(lambda: only(runtime).message_ts is not None and only(runtime).key is not None)
    key = str(only(runtime).key)
    await eventually(lambda: key in json.dumps(local_slack.messages(CHANNEL)[0]["blocks"]))
    assert "<!channel>" not in json.dumps(local_slack.messages(CHANNEL))
    now = int(time.time() * 1000)
    hook = f"{http_server}/jira/webhook"

    newer = jira_webhook_payload(
        "jira:issue_updated",
        issue_in(fake_jira, key, "In Progress"),
        changelog=status_change("To Do", "In Progress"),
        timestamp_ms=now + 2000,
    )
    older = jira_webhook_payload(
        "jira:issue_updated",
        issue_in(fake_jira, key, "Done"),
        changelog=status_change("To Do", "Done"),
        timestamp_ms=now + 1000,
    )
    forged_body, forged = signed(
        jira_webhook_payload(
            "jira:issue_updated",
            issue_in(fake_jira, key, "Done"),
            changelog=status_change("In Progress", "Done"),
            timestamp_ms=now + 9000,
        ),
        "d-forged",
        secret="wrong-secret",
    )
    assert (await post(hook, *signed(newer, "d-1"))).status_code == 200
    assert (await post(hook, *signed(older, "d-2"))).status_code == 200
    assert (await post(hook, forged_body, forged)).status_code == 401
    assert (await post(hook, *signed(newer, "d-1"))).json()["status"] == "duplicate"
    assert only(runtime).status == "In Progress"

    assigned = issue_in(fake_jira, key, "In Progress")
    assigned["fields"]["assignee"] = fake_jira.state.users["acc-dana"]
    change = {
        "id": "2",
        "items": [
            {
                "field": "assignee",
                "fieldtype": "jira",
                "fieldId": "assignee",
                "from": None,
                "fromString": None,
                "to": "acc-dana",
                "toString": "Dana Scully",
            }
        ],
    }
    payload = jira_webhook_payload(
        "jira:issue_updated", assigned, changelog=change, timestamp_ms=now + 3000
    )
    assert (await post(hook, *signed(payload, "d-3"))).status_code == 200
    human = jira_webhook_payload(
        "comment_created", assigned, comment="Vendor says <@U0ADMIN> fixed"
    )
    echo = jira_webhook_payload("comment_created", assigned, comment="lead (Slack): hi\n\n[opsbot]")
    echo["comment"]["id"] = "10501"
    assert (await post(hook, *signed(human, "d-4"))).status_code == 200
    assert (await post(hook, *signed(echo, "d-5"))).status_code == 200

    def thread() -> list[str]:
        return [m["text"] for m in local_slack.messages(CHANNEL)[1:]]

    await eventually(lambda: any("Vendor says" in t for t in thread()))
    await eventually(lambda: any("Dana Scully" in t for t in thread()))
    escalation = only(runtime)
    assert (escalation.status, escalation.assignee_name) == ("In Progress", "Dana Scully")
    texts = thread()
    assert not any("Done" in t for t in texts)
    assert not any(t == "hi" or "(Slack): hi" in t for t in texts)
    assert any("&lt;@U0ADMIN&gt;" in t for t in texts)
    await eventually(
        lambda: "Dana Scully" in json.dumps(local_slack.messages(CHANNEL)[0]["blocks"])
    )
    assert "In Progress" in json.dumps(local_slack.messages(CHANNEL)[0]["blocks"])


async def test_buttons_shortcuts_and_memo_reaction(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    await dispatch(sr.slash_command("/escalate", "sev3 compliance Audit gap", user_id="U0LEAD"))
    await settle(runtime)
    escalation = only(runtime)
    key, ts, eid = str(escalation.key), str(escalation.message_ts), str(escalation.id)

    # The reporter hands it to Dana; Dana's Acknowledge moves it in progress (and keeps her).
    await dispatch(
        sr.slash_command("/escalation", f"{key} assign <@U0DANA|dana>", user_id="U0LEAD")
    )
    await settle(runtime)
    await dispatch(
        sr.block_action("escalation_ack", eid, user_id="U0DANA", channel_id=CHANNEL, message_ts=ts)
    )
    await settle(runtime)
    fields = fake_jira.issues[key]["fields"]
    assert (fields["status"]["name"], fields["assignee"]["accountId"]) == (
        "In Progress",
        "acc-dana",
    )

    await dispatch(
        sr.block_action(
            "escalation_update_open", eid, user_id="U0DANA", channel_id=CHANNEL, message_ts=ts
        )
    )
    view = local_slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "escalation_update"
    values = {"value": {"value": {"type": "plain_text_input", "value": "Vendor paged"}}}
    submit = sr.view_submission(
        "escalation_update",
        values,
        user_id="U0DANA",
        view_id="V0UPD",
        private_metadata=view["private_metadata"],
    )
    await dispatch(submit)
    await dispatch(submit)  # double click
    await settle(runtime)
    bodies = [c["body"] for c in fake_jira.issues[key]["fields"]["comment"]["comments"]]
    assert sum("Vendor paged" in b for b in bodies) == 1

    # a reply in the thread, kept; 📝 on it (twice) sends it once
    reply_ts = "1700000999.000100"
    reply = {
        "type": "message",
        "channel": CHANNEL,
        "user": "U0LEAD",
        "text": "Root cause looks like X",
        "ts": reply_ts,
        "thread_ts": ts,
    }
    await dispatch(sr.event_callback(reply))
    for _ in range(2):
        reaction = {
            "type": "reaction_added",
            "user": "U0LEAD",
            "reaction": "memo",
            "item": {"type": "message", "channel": CHANNEL, "ts": reply_ts},
        }
        await dispatch(sr.event_callback(reaction))
    await settle(runtime)
    bodies = [c["body"] for c in fake_jira.issues[key]["fields"]["comment"]["comments"]]
    assert sum("Root cause looks like X" in b for b in bodies) == 1

    # somebody else may not resolve; the reporter may
    await dispatch(
        sr.block_action(
            "escalation_resolve_open",
            eid,
            user_id="U0STRANGER",
            channel_id=CHANNEL,
            message_ts=ts,
            response_url=local_slack.response_url(channel=CHANNEL),
        )
    )
    assert any("Only the reporter" in m["text"] for m in local_slack.ephemeral_messages())
    await dispatch(
        sr.block_action(
            "escalation_resolve_open", eid, user_id="U0LEAD", channel_id=CHANNEL, message_ts=ts
        )
    )
    view = local_slack.calls_to("views.open")[-1].args["view"]
    values = {"value": {"value": {"type": "plain_text_input", "value": "Template reuse"}}}
    await dispatch(
        sr.view_submission(
            "escalation_resolve",
            values,
            user_id="U0LEAD",
            view_id="V0RES",
            private_metadata=view["private_metadata"],
        )
    )
    await settle(runtime)
    assert fake_jira.issues[key]["fields"]["status"]["name"] == "Resolved"
    assert only(runtime).root_cause == "Template reuse"
    final = local_slack.messages(CHANNEL)[0]
    assert "Acknowledge" not in json.dumps(final["blocks"])


async def test_message_shortcut_and_kpi_finding_prefill_the_modal(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    posted = await runtime.slack.chat_postMessage(
        channel="C0OPS", text="Clones everywhere\nsee list"
    )
    message = {"text": "Clones everywhere\nsee list", "ts": posted["ts"], "user": "U0LEAD"}
    await dispatch(sr.message_shortcut("escalate_message", message, user_id="U0LEAD"))
    view = local_slack.calls_to("views.open")[-1].args["view"]
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "Clones everywhere"
    assert json.loads(view["private_metadata"])["permalink"]
    finding = json.dumps({"title": "AHT spike at acme", "description": "queue x", "vendor": "acme"})
    await dispatch(sr.block_action("escalation_from_finding", finding, user_id="U0LEAD"))
    view = local_slack.calls_to("views.open")[-1].args["view"]
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "AHT spike at acme"
