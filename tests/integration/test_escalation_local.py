"""Without JIRA_URL escalations use the local tracker: same commands, and every answer says so."""

from __future__ import annotations

import json
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.digest import DigestWindow
from commands.escalations.digest import EscalationDigestSource
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from storage.local_tracker import local_issue
from storage.types import utcnow
from storage.vendors import upsert_vendor
from tests.support import slack_requests as sr
from tests.support.answers import settle


def answer(response: Any) -> str:
    return str(json.loads(response.body)["text"])


async def test_local_tracker_files_and_changes_without_jira(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    text = answer(await dispatch(sr.slash_command("/escalate", "sev1 other Outage of the queue")))
    assert "Jira is not configured" in text
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session)
    assert escalation.key == "ESC-1"
    assert escalation.channel_id == "C0OPS"  # no escalation channel: posted in place
    message = local_slack.messages("C0OPS")[0]
    assert "Jira is not configured" in json.dumps(message["blocks"])

    await dispatch(sr.slash_command("/escalation", "ESC-1 comment looking"))
    await dispatch(sr.slash_command("/escalation", 'ESC-1 status "in progress"'))
    await dispatch(sr.slash_command("/escalation", "ESC-1 assign <@U0ADMIN|admin>"))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        issue = local_issue(session, "ESC-1")
        assert issue is not None
        assert (issue.status, issue.assignee_account_id) == ("In Progress", "U0ADMIN")
    listing = answer(await dispatch(sr.slash_command("/escalation", "list sev1")))
    assert "ESC-1" in listing
    assert "Jira is not configured" in listing

    source = EscalationDigestSource(areas=runtime.escalations.areas)
    now = utcnow()
    window = DigestWindow(
        vendor_slug=None, start=now.date(), end=now.date(), now=now, timezone="UTC"
    )
    with unit_of_work(runtime.sessions) as session:
        section = source.section(session=session, window=window)
    assert section is not None
    assert section.total_items == 1
    assert "ESC-1" in section.lines[0]

    await dispatch(sr.slash_command("/escalation", "ESC-1 resolve fixed the queue"))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        issue = local_issue(session, "ESC-1")
        assert issue is not None
        assert issue.status == "Resolved"
        assert list_escalations(session) == []


async def test_usage_and_unknown_keys(dispatch: Any) -> None:
    assert "/escalation KEY" in answer(await dispatch(sr.slash_command("/escalation", "")))
    assert "/escalation KEY" in answer(
        await dispatch(sr.slash_command("/escalation", "frobnicate"))
    )
    assert "no escalation" in answer(await dispatch(sr.slash_command("/escalation", "ESC-99")))
    assert "/escalation KEY" in answer(
        await dispatch(sr.slash_command("/escalation", "list area:moon"))
    )


async def test_vendor_bound_channel_files_and_lists_its_vendor_only(
    dispatch: Any, runtime: Runtime
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex")
    other = await dispatch(
        sr.slash_command("/escalate", "sev2 other Elsewhere vendor:globex", channel_id="C0ACME")
    )
    assert "bound to vendor Acme" in answer(other)
    await dispatch(sr.slash_command("/escalate", "sev2 other Queue stuck", channel_id="C0ACME"))
    await dispatch(sr.slash_command("/escalate", "sev3 other Globex thing vendor:globex"))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        filed = {str(e.vendor): str(e.display_key) for e in list_escalations(session)}
    assert sorted(filed) == ["acme", "globex"]
    listing = answer(await dispatch(sr.slash_command("/escalation", "list", channel_id="C0ACME")))
    assert "Queue stuck" in listing
    assert "Globex thing" not in listing
    # The outbox files concurrently, so which key each got is read back, not assumed.
    globex = filed["globex"]
    refused = await dispatch(sr.slash_command("/escalation", globex, channel_id="C0ACME"))
    # Out of scope reads like an escalation that does not exist: nothing of it is shown.
    assert f"I know no escalation {globex}" in answer(refused)
    assert "Globex thing" not in answer(refused)
