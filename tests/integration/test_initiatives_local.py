"""Initiatives and suggestions without Jira: the local tracker carries epics and stories."""

from __future__ import annotations

import json
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.local_tracker import local_issues
from storage.suggestions import suggestion_by_id
from tests.integration.test_initiatives import create
from tests.support import slack_requests as sr
from tests.support.answers import settle


async def test_local_tracker_files_epic_story_and_counts_progress(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    assert runtime.planning_desk.tracker.name == "local"
    initiative = await create(dispatch, runtime)
    assert initiative.key == "INIT-1" and initiative.filing_state == "filed"
    await dispatch(sr.slash_command("/initiative", 'INIT-1 child "Macro for clones"'))
    await settle(runtime)  # the story is INIT-2: outbox jobs of different kinds run concurrently
    await dispatch(
        sr.slash_command("/suggest", "Shared legal hold tracker so that nothing expires")
    )
    await dispatch(sr.slash_command("/suggest", "promote 1 to:INIT-1"))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        issues = {i.key: i for i in local_issues(session)}
        suggestion = suggestion_by_id(session, 1)
    assert issues["INIT-1"].issue_type == "Epic"
    assert {k for k, i in issues.items() if i.parent_key == "INIT-1"} == {"INIT-2", "INIT-3"}
    assert suggestion is not None and suggestion.issue_key == "INIT-3"
    await runtime.tracker.transition("INIT-2", "Done")
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.slash_command("/initiative", "INIT-1", response_url=url))
    detail = local_slack.ephemeral_messages()[-1]
    texts = "\n".join(b["text"]["text"] for b in detail["blocks"] if b["type"] == "section")
    assert "1/2 stories done (50%)" in texts
    assert "local tracker" in json.dumps(local_slack.messages("C0OPS")[0])
