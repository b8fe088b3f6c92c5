"""Escalations end to end: signed Slack requests in, the real jira client against FakeJira."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import Escalation, escalation_by_key, events_for, list_escalations
from storage.outbox import list_jobs
from storage.vendors import upsert_vendor
from tests.fakes.jira_server import FakeJira
from tests.support import slack_requests as sr
from tests.support.answers import body, settle

CHANNEL = "C0ESC"
SECRET = "jira-webhook-secret-0123456789"


def jira_workspace(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    """Set up the escalation channel, a lead and Dana, and return settings for FakeJira."""
    local_slack.add_channel(CHANNEL, "escalations")
    local_slack.add_user("U0LEAD", "lead", email="lead@example.com")
    local_slack.add_user("U0DANA", "dana", email="dana@example.com")
    fake_jira.state.add_user("acc-dana", "Dana Scully", "dana@example.com")
    return {
        "jira_url": fake_jira.url,
        "jira_email": "bot@example.com",
        "jira_api_token": "api-token-0123456789",
        "jira_webhook_secret": SECRET,
        "opsbot_escalation_channel": CHANNEL,
        "opsbot_outbox_base_delay": 0.01,
        "opsbot_outbox_max_delay": 0.05,
    }


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    fake_jira.state.add_user("acc-lead", "Lee Lead", "lead@example.com")
    return {
        **jira_workspace(fake_jira, local_slack),
        "jira_components_by_area": {"impersonation": ["Trust & Safety"]},
        "jira_root_cause_field": "customfield_10011",
    }


def escalations(runtime: Runtime) -> list[Escalation]:
    with unit_of_work(runtime.sessions) as session:
        return list_escalations(session, open_only=False)


def esc_issues(fake_jira: FakeJira) -> list[dict[str, Any]]:
    return [i for i in fake_jira.issues.values() if i["key"].startswith("ESC-")]


def modal_values(**overrides: Any) -> dict[str, Any]:
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Verified brand cloned"}},
        "area": {"value": {"type": "static_select", "selected_option": {"value": "impersonation"}}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": "sev2"}}},
        "vendor": {"value": {"type": "static_select", "selected_option": None}},
        "affected": {"value": {"type": "plain_text_input", "value": "40"}},
        "description": {"value": {"type": "plain_text_input", "value": "Clones since 09:00"}},
        "links": {"value": {"type": "plain_text_input", "value": "https://example.com/a"}},
    }
    for block, value in overrides.items():
        values[block] = {"value": value}
    return values


async def test_modal_opens_validates_inline_and_files(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme Review")
    response = await dispatch(sr.slash_command("/escalate", "", user_id="U0LEAD"))
    assert response.status == 200
    (opened,) = local_slack.calls_to("views.open")
    view = opened.args["view"]
    blocks = {b["block_id"] for b in view["blocks"]}
    assert {"title", "area", "severity", "vendor", "affected", "description", "links"} <= blocks
    severity = next(b for b in view["blocks"] if b["block_id"] == "severity")
    assert "Critical" in severity["element"]["options"][0]["description"]["text"]

    bad = modal_values(
        title={"type": "plain_text_input", "value": " "},
        affected={"type": "plain_text_input", "value": "forty"},
        links={"type": "plain_text_input", "value": "javascript:alert(1)"},
    )
    response = await dispatch(
        sr.view_submission(
            "escalation_file", bad, user_id="U0LEAD", private_metadata=view["private_metadata"]
        )
    )
    answer = body(response)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title", "affected", "links"}
    assert escalations(runtime) == []

    good = modal_values(vendor={"type": "static_select", "selected_option": {"value": "acme"}})
    response = await dispatch(
        sr.view_submission(
            "escalation_file",
            good,
            user_id="U0LEAD",
            view_id="V0GOOD",
            private_metadata=view["private_metadata"],
        )
    )
    answer = body(response)
    assert answer["response_action"] == "update"
    assert "being filed" in json.dumps(answer["view"])
    await settle(runtime)

    (issue,) = esc_issues(fake_jira)
    fields = issue["fields"]
    assert fields["summary"] == "Verified brand cloned"
    assert fields["priority"]["name"] == "High"
    (stored,) = escalations(runtime)
    assert f"opsbot-{stored.id}" in fields["labels"]
    assert {"area-impersonation", "vendor-acme"} <= set(fields["labels"])
    assert "[~accountid:acc-lead]" in fields["description"]
    assert "Affected accounts:* 40" in fields["description"]
    assert [c["name"] for c in fields["components"]] == ["Trust & Safety"]
    assert (stored.key, stored.filing_state, stored.vendor) == (issue["key"], "filed", "acme")

    posted = [c for c in local_slack.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL]
    assert not posted[0].args.get("thread_ts")
    message = local_slack.messages(CHANNEL)[0]
    rendered = json.dumps(message["blocks"])
    assert issue["key"] in rendered
    assert "SEV2" in rendered
    assert "Acknowledge" in rendered
    assert "Resolve" in rendered
    assert any("Filed as" in m["text"] for m in local_slack.messages(CHANNEL)[1:])


async def test_one_line_form_files_and_bad_lines_get_usage(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme")
    for text in ("", "sev9 impersonation x", "sev2 nowhere title", "sev2", 'sev1 other "open'):
        if not text:
            continue
        response = await dispatch(sr.slash_command("/escalate", text, user_id="U0LEAD"))
        assert "/escalate SEV AREA" in body(response)["text"]
    response = await dispatch(
        sr.slash_command("/escalate", "sev2 Impersonation Brand x vendor:nope", user_id="U0LEAD")
    )
    assert "no vendor" in body(response)["text"]
    assert escalations(runtime) == []

    response = await dispatch(
        sr.slash_command(
            "/escalate",
            'SEV2 Account_Security "Verified brand account cloned by ~40 accounts" vendor:ACME',
            user_id="U0LEAD",
        )
    )
    text = body(response)["text"]
    assert "Saved escalation" in text
    assert "not configured" not in text
    await settle(runtime)
    (stored,) = escalations(runtime)
    assert (stored.area, stored.severity, stored.vendor) == ("account-security", 2, "acme")
    assert len(esc_issues(fake_jira)) == 1


async def test_duplicates_ten_concurrent_retries_and_lost_create(
    dispatch: Any, runtime: Runtime, fake_jira: FakeJira, local_slack: LocalSlack
) -> None:
    text = "sev1 impersonation Wave of clones"
    requests = [sr.slash_command("/escalate", text, user_id="U0LEAD") for _ in range(10)]
    await asyncio.gather(*(dispatch(r) for r in requests))
    body, _ = requests[0]
    again = sr.sign(body, retry_num=1)
    await dispatch((body, again))  # Slack's retry of the first request
    values = modal_values()
    await dispatch(sr.slash_command("/escalate", "", user_id="U0DANA"))
    metadata = local_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    submit = sr.view_submission(
        "escalation_file", values, user_id="U0DANA", view_id="V0TWICE", private_metadata=metadata
    )
    await asyncio.gather(dispatch(submit), dispatch(submit))  # a double click
    fake_jira.lose_next_create_response(times=2)  # Jira stores them but the answers are lost
    await settle(runtime)
    stored = escalations(runtime)
    assert len(stored) == 2
    assert all(e.key for e in stored)
    assert len(esc_issues(fake_jira)) == 2
    assert len(fake_jira.requests_to("POST", "/rest/api/2/issue")) == 2


async def test_jira_down_then_up_files_once_and_tells_the_lead(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    fake_jira.down()
    response = await dispatch(
        sr.slash_command("/escalate", "sev2 copyright Takedown stuck", user_id="U0LEAD")
    )
    assert response.status == 200
    outbox = runtime.outbox
    # A long outage: however many attempts a slow machine squeezes into the drains below, the
    # job must still be waiting for Jira, not given up.
    outbox.policy.max_attempts = 10_000
    for _ in range(3):
        await outbox.run_due()
        await outbox.drain(within=5.0, horizon=0.0)
        await asyncio.sleep(0.06)
    assert esc_issues(fake_jira) == []
    with unit_of_work(runtime.sessions) as session:
        (filing,) = [j for j in list_jobs(session) if j.kind == "escalation.file"]
    assert filing.attempts >= 3
    assert filing.status == "pending"
    notes = [c.args["text"] for c in local_slack.calls_to("chat.postEphemeral")]
    assert any("Jira is unavailable; this escalation is saved" in n for n in notes)
    assert sum("Jira is unavailable" in n for n in notes) == 1
    waiting = json.dumps(local_slack.messages(CHANNEL)[0]["blocks"])
    assert "Jira is unavailable" in waiting
    fake_jira.up()
    await settle(runtime)
    (issue,) = esc_issues(fake_jira)
    (stored,) = escalations(runtime)
    assert stored.key == issue["key"]
    updated = json.dumps(local_slack.messages(CHANNEL)[0]["blocks"])
    assert issue["key"] in updated
    assert "Jira is unavailable" not in updated
    notes = [c.args["text"] for c in local_slack.calls_to("chat.postEphemeral")]
    assert any(issue["key"] in n for n in notes)


async def _filed(dispatch: Any, runtime: Runtime, text: str = "sev3 trademark Logo misuse") -> str:
    await dispatch(sr.slash_command("/escalate", text, user_id="U0LEAD"))
    await settle(runtime)
    keys = [e.key for e in escalations(runtime)]
    assert keys[-1] is not None
    return keys[-1]


async def test_comment_status_assign_resolve_and_list(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    key = await _filed(dispatch, runtime)
    await dispatch(
        sr.slash_command(
            "/escalation", f"{key} comment Vendor <!channel> confirmed", user_id="U0LEAD"
        )
    )
    await settle(runtime)
    comments = fake_jira.issues[key]["fields"]["comment"]["comments"]
    # Jira gets the text wiki-escaped (`!` would start an image): shown as typed there.
    assert "Vendor <\\!channel> confirmed" in comments[0]["body"]
    assert "[opsbot]" in comments[0]["body"]
    thread = [m["text"] for m in local_slack.messages(CHANNEL)[1:]]
    assert any("&lt;!channel&gt;" in t for t in thread)
    assert not any("<!channel>" in t for t in thread)

    response = await dispatch(
        sr.slash_command("/escalation", f'{key} status "Nowhere"', user_id="U0LEAD")
    )
    # Checked against Jira's transitions before anything is confirmed or queued.
    refused = body(response)["text"]
    assert "Valid now:" in refused and "In Progress" in refused
    assert "Moving to" not in refused

    await dispatch(sr.slash_command("/escalation", f'{key} status "In Progress"', user_id="U0LEAD"))
    await dispatch(
        sr.slash_command("/escalation", f"{key} assign <@U0DANA|dana>", user_id="U0LEAD")
    )
    await settle(runtime)
    fields = fake_jira.issues[key]["fields"]
    assert fields["status"]["name"] == "In Progress"
    assert fields["assignee"]["accountId"] == "acc-dana"

    response = await dispatch(
        sr.slash_command("/escalation", f"{key} resolve Botnet", user_id="U0OTHER")
    )
    assert "Only the reporter" in body(response)["text"]
    listing = body(await dispatch(sr.slash_command("/escalation", "list mine", user_id="U0DANA")))
    assert key in listing["text"]
    await dispatch(
        sr.slash_command(
            "/escalation", f"{key} resolve Botnet reused one template", user_id="U0DANA"
        )
    )
    await settle(runtime)
    assert fake_jira.issues[key]["fields"]["status"]["name"] == "Resolved"
    assert fake_jira.issues[key]["fields"]["customfield_10011"] == "Botnet reused one template"
    with unit_of_work(runtime.sessions) as session:
        stored = escalation_by_key(session, key)
        assert stored is not None
        assert (stored.status, stored.root_cause) == ("Resolved", "Botnet reused one template")
        kinds = [e.kind for e in events_for(session, stored.id or 0)]
    assert kinds.count("status") == 2
    listing = body(await dispatch(sr.slash_command("/escalation", "list", user_id="U0LEAD")))
    assert key not in listing["text"]
    detail = body(await dispatch(sr.slash_command("/escalation", key.lower(), user_id="U0LEAD")))
    assert "Botnet" in json.dumps(detail)
