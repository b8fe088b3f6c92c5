"""Initiatives work fully on the local tracker: stories complete, progress moves, owners default.

Also the webhook's reading of story states: an unplaceable status is not done, and a late
delivery of an older state never lowers progress.
"""

from __future__ import annotations

import json
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from integrations.tracker.jira_webhook import read_jira_webhook
from storage.engine import unit_of_work
from storage.initiatives import Initiative, initiative_by_key
from tests.integration.test_initiatives import (
    create,
    modal_values,
    register_modal_vendors,
    sealed_origin,
)
from tests.support import slack_requests as sr
from tests.support.answers import settle


def progress(runtime: Runtime, key: str = "INIT-1") -> tuple[int, int]:
    with unit_of_work(runtime.sessions) as session:
        row = initiative_by_key(session, key)
        assert row is not None
        return row.children_done, row.children_total


async def with_story(dispatch: Any, runtime: Runtime) -> Initiative:
    initiative = await create(dispatch, runtime)
    await dispatch(sr.slash_command("/initiative", 'INIT-1 child "Macro for clones"'))
    await settle(runtime)
    assert progress(runtime) == (0, 1)
    return initiative


async def test_a_story_is_completed_and_progress_moves(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await with_story(dispatch, runtime)
    answer = json.loads(
        (await dispatch(sr.slash_command("/initiative", "INIT-2 status Done"))).body
    )
    assert "Moving INIT-2" in answer["text"], answer
    await settle(runtime)
    assert progress(runtime) == (1, 1)
    thread = [m["text"] for m in local_slack.messages("C0OPS") if m.get("thread_ts")]
    assert any("INIT-2" in t and "1/1 stories done (100%)" in t for t in thread)
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.slash_command("/initiative", "INIT-1", response_url=url))
    await settle(runtime)
    detail = json.dumps(local_slack.ephemeral_messages()[-1])
    assert "1/1 stories done (100%)" in detail
    story = json.loads((await dispatch(sr.slash_command("/initiative", "INIT-2"))).body)
    assert "INIT-2 is a story of initiative INIT-1" in story["text"]


async def test_a_story_of_another_vendors_initiative_is_not_found_from_a_vendor_channel(
    dispatch: Any, runtime: Runtime
) -> None:
    from tests.integration.test_checkin_runs import make_checkin

    await with_story(dispatch, runtime)  # vendors acme and globex
    make_checkin(runtime, vendor="Beta Corp", channel="C0BETA")
    answer = json.loads(
        (
            await dispatch(
                sr.slash_command("/initiative", "INIT-2 status Done", channel_id="C0BETA")
            )
        ).body
    )
    assert "Moving" not in answer["text"]
    await settle(runtime)
    assert progress(runtime) == (0, 1)


async def test_the_owner_defaults_to_the_filer(dispatch: Any, runtime: Runtime) -> None:
    register_modal_vendors(runtime)
    values = modal_values()
    del values["owner"]
    await dispatch(
        sr.view_submission(
            "initiative_new", values, view_id="VOWN", private_metadata=sealed_origin(runtime)
        )
    )
    await settle(runtime)
    mine = json.loads((await dispatch(sr.slash_command("/initiative", "list mine"))).body)
    assert "Cut impersonation AHT" in json.dumps(mine)


async def test_the_channel_post_shows_the_filed_epic(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await create(dispatch, runtime)
    (post,) = [m for m in local_slack.messages("C0OPS") if not m.get("thread_ts")][:1]
    shown = json.dumps(post)
    assert "filing in the tracker" not in shown
    assert "INIT-1" in shown


def story_event(status: dict[str, Any], stamp: int) -> dict[str, Any]:
    issue = {
        "key": "INIT-2",
        "fields": {"parent": {"key": "INIT-1"}, "summary": "Macro for clones", "status": status},
    }
    return {"timestamp": stamp, "webhookEvent": "jira:issue_updated", "issue": issue}


async def deliver(runtime: Runtime, payload: dict[str, Any]) -> None:
    for sink in runtime.jira_webhook_sinks:
        await sink(read_jira_webhook(json.loads(json.dumps(payload))))
    await settle(runtime)


async def test_an_unplaceable_status_is_not_counted_as_done(
    dispatch: Any, runtime: Runtime
) -> None:
    await with_story(dispatch, runtime)
    await deliver(runtime, story_event({"name": "Waiting for QA"}, 2_000_000_000_000))
    assert progress(runtime) == (0, 1)
    done = {"name": "Done", "statusCategory": {"key": "done"}}
    await deliver(runtime, story_event(done, 2_000_000_000_001))
    assert progress(runtime) == (1, 1)


async def test_a_late_older_story_update_does_not_lower_progress(
    dispatch: Any, runtime: Runtime
) -> None:
    await with_story(dispatch, runtime)
    done = {"name": "Done", "statusCategory": {"key": "done"}}
    started = {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}
    await deliver(runtime, story_event(done, 2_000_000_000_500))
    await deliver(runtime, story_event(started, 2_000_000_000_100))  # sent earlier, came later
    assert progress(runtime) == (1, 1)
    reopened = {"name": "To Do", "statusCategory": {"key": "new"}}
    await deliver(runtime, story_event(reopened, 2_000_000_000_900))
    assert progress(runtime) == (0, 1)
