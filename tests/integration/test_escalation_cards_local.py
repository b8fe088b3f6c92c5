"""Escalation cards that read well, on the local tracker (no Jira): no fake links, users as
mentions, similar open titles warned about within scope, an idempotent Acknowledge, and the
timeline of `/escalation KEY`."""

from __future__ import annotations

import json
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import Escalation, list_escalations
from storage.vendors import upsert_vendor
from tests.integration.test_escalations import modal_values
from tests.support import slack_requests as sr
from tests.support.answers import body as body_json
from tests.support.answers import settle

OPS = "C0OPS"


def stored(runtime: Runtime) -> list[Escalation]:
    with unit_of_work(runtime.sessions) as session:
        return list_escalations(session, open_only=False)


def card(local_slack: LocalSlack, escalation: Escalation) -> dict[str, Any]:
    """Return the escalation's channel message (not a thread reply)."""
    return next(m for m in local_slack.messages(OPS) if m.get("ts") == escalation.message_ts)


def thread(local_slack: LocalSlack, escalation: Escalation) -> list[str]:
    """Return the texts of the escalation's thread replies."""
    return [
        str(m.get("text"))
        for m in local_slack.messages(OPS)
        if m.get("thread_ts") == escalation.message_ts and m.get("ts") != escalation.message_ts
    ]


async def file(dispatch: Any, runtime: Runtime, text: str, **kwargs: Any) -> str:
    response = await dispatch(sr.slash_command("/escalate", text, **kwargs))
    await settle(runtime)
    return str(body_json(response)["text"])


async def test_the_local_tracker_shows_no_fake_url(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await file(dispatch, runtime, "sev2 other Queue stuck", user_id="U0LEAD")
    (escalation,) = stored(runtime)
    assert escalation.key == "ESC-1"
    said = body_json(
        await dispatch(sr.slash_command("/escalation", "ESC-1 comment on it", user_id="U0LEAD"))
    )
    await settle(runtime)
    detail = body_json(await dispatch(sr.slash_command("/escalation", "ESC-1")))
    shown = json.dumps([local_slack.messages(OPS), said, detail])
    assert "opsbot://" not in shown
    assert any(
        "Filed as ESC-1 in opsbot's local tracker" in t for t in thread(local_slack, escalation)
    )


async def test_users_are_mentions_and_only_valid_ids_become_mentions(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await file(dispatch, runtime, "sev2 other Queue stuck", user_id="U0LEAD")
    await dispatch(
        sr.slash_command("/escalation", "ESC-1 assign <@U0ADMIN|admin>", user_id="U0LEAD")
    )
    await settle(runtime)
    (escalation,) = stored(runtime)
    fields = json.dumps(card(local_slack, escalation)["blocks"])
    assert "*Assignee*\\n<@U0ADMIN>" in fields
    assert "*Reporter*\\n<@U0LEAD>" in fields
    assert any("assigned to <@U0ADMIN>" in t for t in thread(local_slack, escalation))
    # A user id not of Slack's shape never becomes `<@…>`: it is shown as escaped text.
    await file(dispatch, runtime, "sev3 other Crafted reporter", user_id="x>!here")
    crafted = next(e for e in stored(runtime) if e.title == "Crafted reporter")
    rendered = json.dumps(card(local_slack, crafted)["blocks"])
    assert "<@x" not in rendered
    assert "<!here" not in rendered
    assert local_slack.refused_calls() == []


async def test_acknowledge_twice_posts_nothing_new_to_the_thread(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await file(dispatch, runtime, "sev2 other Queue stuck", user_id="U0LEAD")
    (escalation,) = stored(runtime)
    # Someone who may not assign acknowledges first: the escalation moves in progress.
    await dispatch(sr.block_action("escalation_ack", str(escalation.id), user_id="U0OTHER"))
    await settle(runtime)
    after_first = thread(local_slack, escalation)
    assert any("In Progress" in t for t in after_first)
    # The reporter (who may assign) clicks again, and then once more: nothing new is posted.
    for _ in range(2):
        await dispatch(sr.block_action("escalation_ack", str(escalation.id), user_id="U0LEAD"))
        await settle(runtime)
    assert thread(local_slack, escalation) == after_first
    (again,) = stored(runtime)
    assert again.assignee_slack_id is None
    notes = [c.args["text"] for c in local_slack.calls_to("chat.postEphemeral")]
    assert any("already acknowledged" in n for n in notes)


async def test_similar_open_titles_are_named_within_scope(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex")
    await file(
        dispatch, runtime, "sev2 impersonation Brand account cloned by 40 accounts vendor:globex"
    )
    first = await file(
        dispatch, runtime, "sev2 impersonation Brand account cloned by 40 accounts vendor:acme"
    )
    assert "similar" not in first  # the globex one is another vendor's
    warned = await file(
        dispatch,
        runtime,
        "sev3 impersonation Brand accounts cloned by ~40 users",
        user_id="U0LEAD",
        channel_id="C0ACME",
    )
    assert "similar open escalation" in warned
    assert "ESC-2" in warned  # acme's
    assert "ESC-1" not in warned  # globex's is out of this channel's scope
    unrelated = await file(dispatch, runtime, "sev3 other Payroll export late vendor:acme")
    assert "similar" not in unrelated

    # The modal path warns as well, under the filed confirmation.
    await dispatch(sr.slash_command("/escalate", "", user_id="U0LEAD", channel_id="C0ACME"))
    metadata = local_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    values = modal_values(
        title={"type": "plain_text_input", "value": "Brand account cloned by 40 accounts again"}
    )
    response = await dispatch(
        sr.view_submission(
            "escalation_file", values, user_id="U0LEAD", view_id="V0SIM", private_metadata=metadata
        )
    )
    answer = json.dumps(body_json(response)["view"])
    assert "similar open escalation" in answer
    assert "ESC-2" in answer and "ESC-1" not in answer


async def test_escalation_key_shows_the_timeline(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await file(dispatch, runtime, "sev2 other Queue stuck", user_id="U0LEAD")
    for text in ("ESC-1 comment vendor <!here> looking", 'ESC-1 status "In Progress"'):
        await dispatch(sr.slash_command("/escalation", text, user_id="U0LEAD"))
        await settle(runtime)
    detail = body_json(await dispatch(sr.slash_command("/escalation", "ESC-1")))
    texts = [b.get("text", {}).get("text", "") for b in detail["blocks"]]
    timeline = next(t for t in texts if t.startswith("*Timeline*"))
    lines = timeline.splitlines()[1:]
    assert "filed it" in lines[0]
    assert any("commented: vendor &lt;!here&gt; looking" in line for line in lines)
    assert any("moved it from To Do to *In Progress*" in line for line in lines)
    assert "<!here>" not in timeline
