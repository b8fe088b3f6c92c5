"""Without Jira, every call into the local tracker runs on a worker thread, never on the loop.

The engine reports the thread of every statement on the local tracker's tables; the flows go
through the front door (slash commands, modal submission, outbox jobs), and the test itself
never reads those tables, so a statement on the loop's thread is the tracker blocking it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.integration.test_initiatives import create
from tests.support import slack_requests as sr
from tests.support.answers import settle

TRACKER_TABLES = ("local_issue", "local_comment")


@pytest.fixture
def tracker_threads(runtime: Runtime) -> Iterator[list[int]]:
    """Yield the thread ids of every statement on the local tracker's tables, as they run."""
    seen: list[int] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if any(table in statement for table in TRACKER_TABLES):
            seen.append(threading.get_ident())

    event.listen(runtime.engine, "before_cursor_execute", record)
    yield seen
    event.remove(runtime.engine, "before_cursor_execute", record)


def answer(response: Any) -> str:
    return str(json.loads(response.body)["text"])


async def test_escalation_filing_and_changes_keep_the_tracker_off_the_loop(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, tracker_threads: list[int]
) -> None:
    assert runtime.tracker.name == "local"
    loop_thread = threading.get_ident()
    text = answer(await dispatch(sr.slash_command("/escalate", "sev1 other Outage of the queue")))
    assert "Jira is not configured" in text
    await settle(runtime)
    await dispatch(sr.slash_command("/escalation", "ESC-1 comment looking"))
    moved = answer(await dispatch(sr.slash_command("/escalation", 'ESC-1 status "in progress"')))
    assert "in progress" in moved.lower(), moved
    await dispatch(sr.slash_command("/escalation", "ESC-1 assign <@U0ADMIN|admin>"))
    await settle(runtime)
    listing = answer(await dispatch(sr.slash_command("/escalation", "list sev1")))
    assert "ESC-1" in listing
    assert tracker_threads, "the flows never reached the local tracker"
    assert loop_thread not in tracker_threads


async def test_initiative_detail_and_story_moves_keep_the_tracker_off_the_loop(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, tracker_threads: list[int]
) -> None:
    loop_thread = threading.get_ident()
    await create(dispatch, runtime)
    await dispatch(sr.slash_command("/initiative", 'INIT-1 child "Macro for clones"'))
    await settle(runtime)
    moving = answer(await dispatch(sr.slash_command("/initiative", "INIT-2 status Done")))
    assert "Moving INIT-2" in moving
    await settle(runtime)
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.slash_command("/initiative", "INIT-1", response_url=url))
    await settle(runtime)
    detail = json.dumps(local_slack.ephemeral_messages()[-1])
    assert "1/1 stories done (100%)" in detail
    assert tracker_threads, "the flows never reached the local tracker"
    assert loop_thread not in tracker_threads
