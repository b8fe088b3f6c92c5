"""Escalation cards with Jira: browse links, the root cause on the resolved card, and a
timeline that includes the changes made in Jira (webhooks)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from integrations.tracker.jira_webhook import read_jira_webhook
from storage.engine import unit_of_work
from storage.escalations import Escalation, list_escalations
from tests.fakes.jira_server import FakeJira
from tests.fakes.jira_webhooks import jira_webhook_payload, status_change
from tests.integration.test_escalations import CHANNEL, jira_workspace
from tests.support import slack_requests as sr
from tests.support.answers import body as body_json
from tests.support.answers import settle


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return jira_workspace(fake_jira, local_slack)


def only(runtime: Runtime) -> Escalation:
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session, open_only=False)
    return escalation


async def filed(dispatch: Any, runtime: Runtime) -> Escalation:
    await dispatch(
        sr.slash_command("/escalate", "sev2 impersonation Brand clones", user_id="U0LEAD")
    )
    await settle(runtime)
    return only(runtime)


async def test_cards_and_answers_link_to_the_jira_browse_url(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    escalation = await filed(dispatch, runtime)
    key = str(escalation.key)
    link = f"<{fake_jira.url.rstrip('/')}/browse/{key}|{key}>"
    (message, *replies) = local_slack.messages(CHANNEL)
    assert link in message["blocks"][0]["text"]["text"]
    assert f"Filed as {link}." in [r["text"] for r in replies]
    said = body_json(
        await dispatch(sr.slash_command("/escalation", f"{key} comment seen", user_id="U0LEAD"))
    )
    assert link in said["text"]
    again = body_json(
        await dispatch(
            sr.slash_command("/escalate", "sev2 impersonation Brand clones", user_id="U0LEAD")
        )
    )
    assert f"already exists: *{link}*" in again["text"]
    listing = body_json(await dispatch(sr.slash_command("/escalation", "list")))
    assert link in listing["text"]


async def test_the_resolved_card_shows_the_root_cause(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await filed(dispatch, runtime)
    await dispatch(
        sr.slash_command(
            "/escalation",
            f"{escalation.key} resolve kind:tooling Clone filter <b>off</b> since Monday",
            user_id="U0LEAD",
        )
    )
    await settle(runtime)
    resolved = json.dumps(local_slack.messages(CHANNEL)[0]["blocks"])
    assert "*Root cause* (Tooling or product bug)" in resolved
    assert "Clone filter &lt;b&gt;off&lt;/b&gt; since Monday" in resolved
    assert "Acknowledge" not in resolved
    refused = body_json(
        await dispatch(
            sr.slash_command(
                "/escalation", f"{escalation.key} resolve kind:luck x", user_id="U0LEAD"
            )
        )
    )
    assert "The kind must be one of" in refused["text"]


async def test_the_timeline_includes_changes_made_in_jira(
    dispatch: Any, runtime: Runtime, fake_jira: FakeJira
) -> None:
    escalation = await filed(dispatch, runtime)
    key = str(escalation.key)
    await dispatch(sr.slash_command("/escalation", f"{key} comment from Slack", user_id="U0LEAD"))
    await settle(runtime)
    issue = dict(fake_jira.issues[key])
    issue["fields"] = {**issue["fields"], "status": fake_jira.state.status("In Progress")}
    moved = jira_webhook_payload(
        "jira:issue_updated", issue, changelog=status_change("To Do", "In Progress")
    )
    commented = jira_webhook_payload("comment_created", issue, comment="Seen <!channel> in Jira")
    for sink in runtime.jira_webhook_sinks:
        await sink(read_jira_webhook(moved))
        await sink(read_jira_webhook(commented))
    await settle(runtime)
    detail = body_json(await dispatch(sr.slash_command("/escalation", key)))
    texts = [b.get("text", {}).get("text", "") for b in detail["blocks"]]
    timeline = next(t for t in texts if t.startswith("*Timeline*"))
    assert "commented: from Slack" in timeline
    assert "moved it from To Do to *In Progress* (in Jira)" in timeline
    assert "commented: Seen &lt;!channel&gt; in Jira (in Jira)" in timeline
    assert f"filed it in the tracker as {key}" in timeline
