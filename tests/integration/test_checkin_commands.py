"""`/checkin` through the front door: admin rules, parsing, list, preview vs run, scoping."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.checkins import CheckinSchedule, DigestRun
from storage.engine import unit_of_work
from storage.vendors import Vendor
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import MANILA_MONDAY_9, Clock, digests, make_checkin
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command

ADD = "/checkin"
ACME_ADD = 'add vendor:"Acme BPO" channel:<#C0ACME|acme-idops> every:"mon 09:00" tz:Asia/Manila'


def table(runtime: Runtime, model: Any) -> list[Any]:
    with unit_of_work(runtime.sessions) as session:
        return list(session.exec(select(model)))


async def test_add_is_admin_only(dispatch: Dispatch, runtime: Runtime) -> None:
    answer = ok_body(await dispatch(slash_command(ADD, ACME_ADD, user_id="U0SOMEONE")))
    assert answer["response_type"] == "ephemeral"
    assert "Only opsbot admins" in answer["text"]
    assert table(runtime, CheckinSchedule) == []
    assert table(runtime, Vendor) == []


async def test_add_creates_vendor_binds_channel_and_answers_next_run(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    runtime.clock = Clock(MANILA_MONDAY_9 - timedelta(days=2))
    answer = ok_body(await dispatch(slash_command(ADD, ACME_ADD)))
    assert "Acme BPO" in answer["text"] and "<#C0ACME>" in answer["text"]
    # A UTC offset, never "PST" (Philippine time that reads as US Pacific).
    assert "Mon 23 Nov 09:00 UTC+08:00" in answer["text"]
    assert "PST" not in answer["text"]
    assert "New vendor `acme` added as *Acme BPO*" in answer["text"]
    assert "<#C0ACME> is now bound to *Acme BPO*" in answer["text"]
    assert "/opsbot vendor unbind acme" in answer["text"]
    (vendor,) = table(runtime, Vendor)
    assert (vendor.slug, vendor.name, vendor.channel_id, vendor.timezone) == (
        "acme",
        "Acme BPO",
        "C0ACME",
        "Asia/Manila",
    )
    (schedule,) = table(runtime, CheckinSchedule)
    assert (schedule.spec, schedule.timezone) == ("every:mon 09:00", "Asia/Manila")


async def test_add_resolves_hash_channel_names_and_cron(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0BETA", "beta-ops")
    text = 'add vendor:"Beta Corp" channel:#beta-ops cron:"0 9 * * MON" slug:bc bind:no'
    ok_body(await dispatch(slash_command(ADD, text)))
    (vendor,) = table(runtime, Vendor)
    assert (vendor.slug, vendor.channel_id) == ("bc", None)
    assert table(runtime, CheckinSchedule)[0].channel_id == "C0BETA"


async def test_bad_schedule_answers_reason_and_examples(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    answer = ok_body(await dispatch(slash_command(ADD, 'add vendor:acme every:"someday 9"')))
    assert "someday" in answer["text"] and 'every:"weekdays 08:30"' in answer["text"]
    assert table(runtime, Vendor) == []  # no partial write


async def test_list_shows_viewer_zone_vendor_zone_and_missed(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0NY", "nina", tz="America/New_York")
    schedule_id = make_checkin(runtime)
    await runtime.checkin_runner.tick(now=MANILA_MONDAY_9 + timedelta(hours=8))
    runtime.clock = Clock(MANILA_MONDAY_9 + timedelta(hours=8))
    answer = ok_body(await dispatch(slash_command(ADD, "list", user_id="U0NY")))
    assert f"`#{schedule_id}`" in answer["text"]
    assert "Sun 29 Nov 20:00 UTC−05:00" in answer["text"]  # next Monday 09:00 Manila, for Nina
    assert "vendor time Mon 30 Nov 09:00 UTC+08:00" in answer["text"]
    assert "1 missed" in answer["text"]


async def test_preview_is_ephemeral_and_records_nothing(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    make_checkin(runtime)
    ok_body(await dispatch(slash_command(ADD, "topic acme Ramp-up plan", user_id="U0SOMEONE")))
    answer = ok_body(await dispatch(slash_command(ADD, "preview acme", user_id="U0SOMEONE")))
    assert answer["response_type"] == "ephemeral"
    assert "Ramp-up plan" in json.dumps(answer["blocks"])
    assert len(answer["blocks"]) <= 50
    assert table(runtime, DigestRun) == []
    assert local_slack.calls_to("chat.postMessage") == []


async def test_run_posts_now_in_the_channel(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    make_checkin(runtime)
    answer = ok_body(await dispatch(slash_command(ADD, "run acme", user_id="U0SOMEONE")))
    assert "Posting" in answer["text"]
    assert len(digests(local_slack, "C0ACME")) == 1
    (run,) = table(runtime, DigestRun)
    assert run.manual and run.status == "posted"


async def test_bound_channel_refuses_other_vendor(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    make_checkin(runtime)
    make_checkin(runtime, vendor="Beta Corp", channel="C0BETA")
    request = slash_command(ADD, "preview beta", user_id="U0SOMEONE", channel_id="C0ACME")
    answer = ok_body(await dispatch(request))
    assert "bound to vendor Acme BPO" in answer["text"]
    listing = ok_body(await dispatch(slash_command(ADD, "list", channel_id="C0ACME")))
    assert "Acme BPO" in listing["text"] and "Beta Corp" not in listing["text"]
    own = ok_body(await dispatch(slash_command(ADD, "preview", channel_id="C0ACME")))
    assert "Acme BPO" in json.dumps(own["blocks"])


async def test_pause_resume_edit_remove(dispatch: Dispatch, runtime: Runtime) -> None:
    schedule_id = make_checkin(runtime)
    denied = ok_body(await dispatch(slash_command(ADD, f"pause {schedule_id}", user_id="U0X")))
    assert "Only opsbot admins" in denied["text"]
    ok_body(await dispatch(slash_command(ADD, f"pause {schedule_id}")))
    assert table(runtime, CheckinSchedule)[0].paused
    ok_body(await dispatch(slash_command(ADD, f"resume {schedule_id}")))
    assert not table(runtime, CheckinSchedule)[0].paused
    edited = ok_body(await dispatch(slash_command(ADD, f'edit {schedule_id} every:"fri 16:00"')))
    assert "updated" in edited["text"]
    assert table(runtime, CheckinSchedule)[0].spec == "every:fri 16:00"
    assert "bound" not in edited["text"]
    moved = ok_body(await dispatch(slash_command(ADD, f"edit {schedule_id} channel:<#C0NEW|new>")))
    assert "<#C0NEW> is now bound to *Acme BPO*" in moved["text"]  # the binding moved: said
    assert "/opsbot vendor unbind acme" in moved["text"]
    ok_body(await dispatch(slash_command(ADD, f"remove {schedule_id}")))
    assert table(runtime, CheckinSchedule) == []
    missing = ok_body(await dispatch(slash_command(ADD, f"remove {schedule_id}")))
    assert "No check-in" in missing["text"]
