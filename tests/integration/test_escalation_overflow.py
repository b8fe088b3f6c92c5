"""The escalation card's overflow menu: the same actions as its buttons, checked the same way."""

from __future__ import annotations

import json
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import escalation_by_id, events_for
from tests.conftest import Dispatch
from tests.hostile.test_authorization import STRANGER, _filed_escalation
from tests.support.answers import settle
from tests.support.slack_requests import block_action


def _card_actions(local_slack: LocalSlack) -> list[dict[str, Any]]:
    for call in reversed(local_slack.calls):
        blocks = call.args.get("blocks") or []
        for block in json.loads(blocks) if isinstance(blocks, str) else blocks:
            if block.get("block_id") == "escalation_actions":
                return list(block["elements"])
    raise AssertionError("no escalation card was posted")


async def test_overflow_offers_and_runs_the_buttons_actions(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    elements = _card_actions(local_slack)
    buttons = [e for e in elements if e["type"] == "button"]
    (menu,) = [e for e in elements if e["type"] == "overflow"]
    options = menu["options"]
    assert isinstance(options, list) and len(options) == len(buttons) <= 5
    assert [o["text"]["text"] for o in options] == [b["text"]["text"] for b in buttons]
    value = {o["text"]["text"]: o["value"] for o in options}
    for _ in range(2):
        await dispatch(block_action("escalation_overflow", selected_option=value["Acknowledge"]))
        await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        stored = escalation_by_id(session, escalation.id or 0)
        moves = [e for e in events_for(session, escalation.id or 0) if e.kind == "status"]
    assert stored is not None and stored.status == "In Progress"
    assert len(moves) == 1
    for label in ("Add update", "Change status", "Resolve"):
        before = len(local_slack.calls_to("views.open"))
        await dispatch(block_action("escalation_overflow", selected_option=value[label]))
        assert len(local_slack.calls_to("views.open")) == before + 1


async def test_crafted_overflow_values_are_refused(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    for crafted in ("delete:1", f"resolve:{escalation.id}x", "resolve:99999", "", "status"):
        await dispatch(block_action("escalation_overflow", selected_option=crafted))
    # A member may not resolve someone else's escalation through the menu either.
    await dispatch(
        block_action(
            "escalation_overflow", selected_option=f"resolve:{escalation.id}", user_id=STRANGER
        )
    )
    assert local_slack.calls_to("views.open") == []
