"""SEV1 channels (OPSBOT_SEV1_CHANNELS=on) through the outbox; a refusal degrades to the thread."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.local_slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.incident_channels.jobs import IncidentChannels
from commands.incident_channels.parsing import channel_name
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from storage.surfaces import DEGRADED, incident_channel
from tests.conftest import Dispatch
from tests.support import slack_requests as sr
from tests.support.answers import settle


@pytest.fixture
def settings_overrides(local_slack: LocalSlack) -> dict[str, Any]:
    local_slack.add_user("U0RESP", "responder")
    local_slack.add_usergroup("S0RESP", "sev1-responders", ["U0RESP"])
    return {
        "opsbot_sev1_channels": "on",
        "opsbot_sev1_responders": "S0RESP",
        "opsbot_sev1_archive_hours": 0,
        "opsbot_outbox_base_delay": 0.01,
        "opsbot_outbox_max_delay": 0.05,
    }


def channels_of(runtime: Runtime) -> IncidentChannels:
    found = runtime.incident_channels
    assert isinstance(found, IncidentChannels)
    return found


async def sweep(runtime: Runtime) -> None:
    await channels_of(runtime).sweep(runtime.clock())
    await settle(runtime)


async def file_sev1(dispatch: Dispatch, runtime: Runtime) -> str:
    await dispatch(sr.slash_command("/escalate", 'sev1 other "Login <!here> outage"'))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session)
    return str(escalation.key)


async def test_a_sev1_gets_its_channel_mirror_and_archive(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, settings: Settings
) -> None:
    key = await file_sev1(dispatch, runtime)
    other = build_runtime(settings)  # a second replica sweeping at the same moment
    try:
        await channels_of(other).sweep(runtime.clock())
    finally:
        await other.aclose()
    await sweep(runtime)
    (created,) = local_slack.calls_to("conversations.create")
    channel_id = next(
        c["id"]
        for c in local_slack.workspace.channels.values()
        if c.get("name") == created.args["name"]
    )
    assert created.args["name"] == f"esc-{key.lower()}-login-here-outage"
    state = local_slack.channel(channel_id)
    assert state["topic"]["value"].startswith(f"SEV1 {key}: Login")
    assert {"U0ADMIN", "U0RESP"} <= set(state["members"])
    assert "Login &lt;!here&gt; outage" in json.dumps(local_slack.messages(channel_id)[0])
    thread = [m for m in local_slack.messages("C0OPS") if m.get("thread_ts")]
    assert any(f"<#{channel_id}>" in m["text"] for m in thread)

    await dispatch(sr.slash_command("/escalation", f"{key} comment rolling back now"))
    await settle(runtime)
    await sweep(runtime)
    assert any("rolling back now" in m["text"] for m in local_slack.messages(channel_id))

    await dispatch(sr.slash_command("/escalation", f"{key} resolve bad deploy"))
    await settle(runtime)
    await sweep(runtime)
    texts = [m["text"] for m in local_slack.messages(channel_id)]
    assert any("Root cause: bad deploy" in t for t in texts)
    assert local_slack.channel(channel_id)["is_archived"] is True
    await sweep(runtime)  # nothing more happens
    assert len(local_slack.calls_to("conversations.archive")) == 1


async def test_a_refused_channel_degrades_to_the_thread(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    key = await file_sev1(dispatch, runtime)
    local_slack.fail_next("conversations.create", status=200, error="restricted_action")
    await sweep(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session)
        record = incident_channel(session, escalation.id or 0)
        assert record is not None and record.state == DEGRADED
    thread = [m["text"] for m in local_slack.messages("C0OPS") if m.get("thread_ts")]
    assert any("could not open a SEV1 channel (restricted_action)" in t for t in thread)
    await dispatch(sr.slash_command("/escalation", f"{key} comment still here"))
    await settle(runtime)
    await sweep(runtime)
    assert len(local_slack.calls_to("conversations.create")) == 1  # tried once, not again


def test_channel_names_fit_slack() -> None:
    assert channel_name("ESC-12", "Printer on FIRE!! (again)") == "esc-esc-12-printer-on-fire-again"
    long = channel_name("ESC-12", "x" * 200, suffix="-7")
    assert len(long) == 80 and long.endswith("-7")


async def test_a_failed_thread_note_is_retried_without_a_second_card(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await file_sev1(dispatch, runtime)
    # The channel and its card go through; the note in the escalation's thread (C0OPS) fails once.
    local_slack.fail_next("chat.postMessage@C0OPS", status=500)
    await sweep(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = list_escalations(session)
        record = incident_channel(session, escalation.id or 0)
        assert record is not None and record.channel_id is not None
        assert record.state == "open" and record.note_posted and record.card_ts
        channel_id = record.channel_id
    assert len(local_slack.calls_to("conversations.create")) == 1
    assert len(local_slack.messages(channel_id)) == 1  # one card, not one per attempt
    notes = [
        m
        for m in local_slack.messages("C0OPS")
        if m.get("thread_ts") and f"<#{channel_id}>" in m["text"]
    ]
    assert len(notes) == 1
    faulted = [c for c in local_slack.calls_to("chat.postMessage") if c.faulted]
    assert [c.args.get("channel") for c in faulted] == ["C0OPS"]
