"""`/action add` checks the escalation or initiative it names; owners hear of closes by others."""

from __future__ import annotations

import json

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.actions import ActionItem
from storage.engine import unit_of_work
from storage.escalations import Escalation
from tests.conftest import Dispatch
from tests.integration.test_action_items import WED_NOON
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock, make_checkin
from tests.support.answers import body
from tests.support.slack_requests import slash_command


def store_escalation(runtime: Runtime, key: str, vendor: str | None) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(
            Escalation(
                title="Clones",
                area="impersonation",
                severity=2,
                reporter_id="U0ADMIN",
                dedupe_key=f"x-{key}",
                key=key,
                vendor=vendor,
            )
        )


async def test_unknown_escalation_is_refused(dispatch: Dispatch, runtime: Runtime) -> None:
    runtime.clock = Clock(WED_NOON)
    answer = body(
        await dispatch(slash_command("/action", "add <@U0MARIA> due:fri Call back esc:ESC-999"))
    )
    assert "ESC-999" in answer["text"] and "know no" in answer["text"]
    unknown_init = body(
        await dispatch(slash_command("/action", "add <@U0MARIA> due:fri Plan it init:INIT-42"))
    )
    assert "INIT-42" in unknown_init["text"]
    assert table(runtime, ActionItem) == []


async def test_escalation_of_another_vendor_is_refused_in_a_bound_channel(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    make_checkin(runtime)  # binds C0ACME to acme
    make_checkin(runtime, vendor="Beta Corp", channel="C0BETA")
    store_escalation(runtime, "ESC-5", "beta")
    store_escalation(runtime, "ESC-6", "acme")
    runtime.clock = Clock(WED_NOON)
    refused = body(
        await dispatch(
            slash_command("/action", "add <@U0A> due:fri x esc:ESC-5", channel_id="C0ACME")
        )
    )
    assert "ESC-5" in refused["text"] and "Clones" not in refused["text"]
    body(
        await dispatch(
            slash_command("/action", "add <@U0A> due:fri y esc:esc-6", channel_id="C0ACME")
        )
    )
    assert [i.escalation_key for i in table(runtime, ActionItem)] == ["ESC-6"]


async def test_owner_is_told_when_someone_else_closes_their_item(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0MARIA", "maria")
    runtime.clock = Clock(WED_NOON)
    body(await dispatch(slash_command("/action", "add <@U0MARIA> due:fri Send the roster")))
    (item,) = table(runtime, ActionItem)
    body(await dispatch(slash_command("/action", f"done {item.id}", user_id="U0ADMIN")))
    await runtime.background.drain()
    sent = [c.args for c in local_slack.calls_to("chat.postMessage")]
    told = [a for a in sent if a.get("channel") == "U0MARIA"]
    assert told and "<@U0ADMIN> marked your action" in json.dumps(told[-1])
    dm = local_slack.workspace.open_dm(["U0MARIA"])
    (delivered,) = local_slack.messages(dm)
    assert "marked your action" in delivered["text"]
    # The owner closing their own item is not told about it.
    body(await dispatch(slash_command("/action", "add <@U0MARIA> due:fri Again")))
    second = table(runtime, ActionItem)[-1]
    body(await dispatch(slash_command("/action", f"done {second.id}", user_id="U0MARIA")))
    await runtime.background.drain()
    assert (
        len(
            [
                c
                for c in local_slack.calls_to("chat.postMessage")
                if c.args.get("channel") == "U0MARIA"
            ]
        )
        == 1
    )
