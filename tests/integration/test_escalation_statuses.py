"""A requested status is checked against the tracker's transitions before it is confirmed."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.local_tracker import local_issue
from storage.outbox import OutboxJob
from tests.conftest import Dispatch
from tests.support import slack_requests as sr
from tests.support.answers import settle


def answer(response: Any) -> str:
    return str(json.loads(response.body)["text"])


def transition_jobs(runtime: Runtime) -> list[OutboxJob]:
    with unit_of_work(runtime.sessions) as session:
        jobs = session.exec(select(OutboxJob).where(col(OutboxJob.kind).contains("transition")))
        return list(jobs)


async def filed(dispatch: Dispatch, runtime: Runtime) -> None:
    await dispatch(sr.slash_command("/escalate", "sev2 other Queue stuck"))
    await settle(runtime)


async def test_a_typo_gets_the_valid_statuses_at_once_and_queues_nothing(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    await filed(dispatch, runtime)
    before = len(transition_jobs(runtime))
    said = answer(await dispatch(sr.slash_command("/escalation", 'ESC-1 status "in progres"')))
    assert "ESC-1 cannot move to “in progres” now." in said
    assert "Did you mean “In Progress”?" in said
    assert "Valid now: “Done”, “In Progress”, “Resolved”" in said
    assert "Moving to" not in said
    assert len(transition_jobs(runtime)) == before
    good = answer(await dispatch(sr.slash_command("/escalation", 'ESC-1 status "in progress"')))
    assert "Moving to “In Progress”" in good
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        issue = local_issue(session, "ESC-1")
        assert issue is not None and issue.status == "In Progress"


async def test_change_status_button_offers_a_select_of_valid_statuses(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await filed(dispatch, runtime)
    await dispatch(sr.block_action("escalation_status_open", "1"))
    (call,) = local_slack.calls_to("views.open")
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    element = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert element["type"] == "static_select"
    # Done and Resolved are done-category moves: they belong to the Resolve button.
    assert [o["value"] for o in element["options"]] == ["In Progress"]
    meta = view["private_metadata"]
    option = {"value": "In Progress"}
    chosen = {"value": {"value": {"type": "static_select", "selected_option": option}}}
    await dispatch(sr.view_submission("escalation_status", chosen, private_metadata=meta))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        issue = local_issue(session, "ESC-1")
        assert issue is not None and issue.status == "In Progress"
    typed = {"value": {"value": {"type": "plain_text_input", "value": "Resolvd"}}}
    response = await dispatch(
        sr.view_submission("escalation_status", typed, private_metadata=meta, view_id="V2")
    )
    errors = json.loads(response.body)["errors"]
    assert "Did you mean “Resolved”?" in errors["value"]
