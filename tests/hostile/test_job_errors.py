"""A job that breaks on something unexpected tells the user so, by job id, never the exception."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlmodel import col, select

from bot.errors import APOLOGY
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.audit import AuditEvent
from storage.engine import unit_of_work
from storage.outbox import list_jobs
from tests.conftest import Dispatch
from tests.fakes.jira_server import FakeJira
from tests.integration.test_escalations import escalations, jira_workspace
from tests.support.answers import settle
from tests.support.slack_requests import slash_command

ATTEMPTS = 2


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return {**jira_workspace(fake_jira, local_slack), "opsbot_outbox_max_attempts": ATTEMPTS}


async def test_unreadable_tracker_answer_is_reported_with_the_job_id_only(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    await dispatch(slash_command("/escalate", "sev2 impersonation Clones", user_id="U0LEAD"))
    await settle(runtime)
    key = str(escalations(runtime)[0].key)
    # Transitions without `statusCategory`: the client raises KeyError: 'statusCategory'.
    broken = {"transitions": [{"id": "21", "name": "Start", "to": {"name": "In Progress"}}]}
    # One more than the job's attempts: the command reads the transitions first, to check the
    # status before it queues anything, and meets the same answer.
    fake_jira.answer_next(f"GET /rest/api/2/issue/{key}/transitions", broken, times=ATTEMPTS + 1)
    await dispatch(slash_command("/escalation", f'{key} status "In Progress"', user_id="U0LEAD"))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        (job,) = [j for j in list_jobs(session) if j.kind == "escalation.transition"]
    assert job.status == "failed"
    assert "KeyError" in str(job.last_error)  # kept for `opsbot outbox`, not for the user
    notes = [str(c.args.get("text")) for c in local_slack.calls_to("chat.postEphemeral")]
    told = [n for n in notes if "could not do that" in n]
    assert len(told) == 1, notes
    assert f"job {job.id}" in told[0]
    everything = [str(c.args) for c in local_slack.calls]
    assert not [t for t in everything if "KeyError" in t or "statusCategory" in t]


async def test_unexpected_request_error_shows_the_request_id_that_the_audit_trail_holds(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.fail_next("views.open", status=200, error="internal_error")
    response = await dispatch(slash_command("/escalate", "", user_id="U0LEAD"))
    shown = json.dumps(json.loads(response.body)) if response.body else ""
    shown += " ".join(str(c.args.get("text")) for c in local_slack.calls_to("chat.postMessage"))
    assert APOLOGY in shown
    assert "internal_error" not in shown and "SlackApiError" not in shown
    match = re.search(r"Request id `([0-9a-f]{16})`", shown)
    assert match is not None, shown
    with unit_of_work(runtime.sessions) as session:
        (audited,) = session.exec(select(AuditEvent).where(col(AuditEvent.outcome) == "error"))
    assert audited.request_id == match[1]
