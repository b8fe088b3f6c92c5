"""Two-way check-ins: questions DMed once before the digest, answers in it, scoped reads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.checkin_questions.jobs import CheckinAsker
from storage.checkin_questions import CheckinPrompt, answers_for, prompts_between
from storage.engine import unit_of_work
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import (
    MANILA_MONDAY_9,
    Clock,
    digests,
    make_checkin,
    runner_of,
)
from tests.support import slack_requests as sr

BLOCKING, TRAINING = "What is blocking your team?", "Training needs this week?"


def asker_of(runtime: Runtime) -> CheckinAsker:
    found = runtime.checkin_asker
    assert isinstance(found, CheckinAsker)
    return found


def question_dms(slack: LocalSlack) -> list[dict[str, Any]]:
    return [
        c.args for c in slack.calls_to("chat.postMessage") if "check-in" in str(c.args.get("text"))
    ]


def prompts(runtime: Runtime) -> dict[str, CheckinPrompt]:
    with unit_of_work(runtime.sessions) as session:
        found = prompts_between(
            session,
            start=MANILA_MONDAY_9 - timedelta(days=1),
            end=MANILA_MONDAY_9 + timedelta(days=1),
        )
    return {p.user_id: p for p in found}


@pytest.fixture
async def asked(dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack) -> Clock:
    """Acme's Monday check-in asks two questions 2 h before, of Pat (mapped) and Lee (group)."""
    local_slack.add_channel("C0ACME", "acme-idops")
    local_slack.add_user("U0PAT", "pat", tz="Asia/Manila")
    local_slack.add_user("U0LEE", "lee", tz="America/New_York")
    local_slack.add_usergroup("S0LEADS", "acme-leads", ["U0LEE"])
    make_checkin(runtime)
    await dispatch(sr.slash_command("/opsbot", 'vendor member "Acme BPO" <@U0PAT|pat>'))
    text = f'questions "Acme BPO" lead:2h group:<!subteam^S0LEADS|leads> "{BLOCKING}" "{TRAINING}"'
    answer = await dispatch(sr.slash_command("/checkin", text))
    assert "asks 2 question(s), 120 min before" in json.loads(answer.body)["text"]
    clock = Clock(MANILA_MONDAY_9 - timedelta(hours=3))
    runtime.clock = clock
    return clock


async def test_questions_are_asked_once_in_each_counterparts_zone(
    asked: Clock, runtime: Runtime, local_slack: LocalSlack, settings: Settings
) -> None:
    assert await asker_of(runtime).sweep(asked.now) == 0  # not yet: 3 h before
    moment = MANILA_MONDAY_9 - timedelta(minutes=119)
    other = build_runtime(settings)  # a second replica
    try:
        sent = await asker_of(runtime).sweep(moment) + await asker_of(other).sweep(moment)
    finally:
        await other.aclose()
    assert sent == 2
    by_user = {dm["channel"]: dm["text"] for dm in question_dms(local_slack)}
    assert "Mon 23 Nov 09:00 your time" in by_user["U0PAT"]
    assert "Sun 22 Nov 20:00 your time" in by_user["U0LEE"]


async def test_answers_reach_the_digest_and_the_silent_are_nudged_once(
    asked: Clock, dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await asker_of(runtime).sweep(MANILA_MONDAY_9 - timedelta(minutes=110))
    pat = prompts(runtime)["U0PAT"]
    # Lee crafts a click on Pat's questions: they read as gone, nothing opens.
    await dispatch(sr.block_action("checkin_answer_open", str(pat.id), user_id="U0LEE"))
    assert local_slack.calls_to("views.open") == []
    await dispatch(sr.block_action("checkin_answer_open", str(pat.id), user_id="U0PAT"))
    (opened,) = local_slack.calls_to("views.open")
    values = {
        "q0": {"value": {"type": "plain_text_input", "value": "Tool outage <!channel>"}},
        "q1": {"value": {"type": "plain_text_input", "value": "Refresher on appeals"}},
    }
    meta = opened.args["view"]["private_metadata"]
    done = await dispatch(
        sr.view_submission("checkin_answer_submit", values, private_metadata=meta, user_id="U0PAT")
    )
    assert json.loads(done.body)["response_action"] == "update"
    with unit_of_work(runtime.sessions) as session:
        assert [a.answer for a in answers_for(session, [pat.id or 0])][1] == "Refresher on appeals"

    local_slack.clear()
    halfway = MANILA_MONDAY_9 - timedelta(minutes=59)
    assert await asker_of(runtime).sweep(halfway) == 1  # Lee only, once
    assert await asker_of(runtime).sweep(halfway + timedelta(minutes=5)) == 0
    (reminder,) = question_dms(local_slack)
    assert reminder["channel"] == "U0LEE" and reminder["text"].startswith("Reminder")

    await runner_of(runtime).tick(now=MANILA_MONDAY_9 + timedelta(seconds=5))
    (digest,) = digests(local_slack, "C0ACME")
    text = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "From the vendor" in text
    assert "Tool outage &lt;!channel&gt;" in text
    assert "No answer yet from <@U0LEE>" in text
    after = MANILA_MONDAY_9 + timedelta(minutes=1)
    assert await asker_of(runtime).sweep(after) == 1  # the answers, as a thread under it
    assert await asker_of(runtime).sweep(after + timedelta(minutes=1)) == 0
    (thread,) = [m for m in local_slack.messages("C0ACME") if m.get("thread_ts") == digest["ts"]]
    assert "Refresher on appeals" in thread["text"]


async def test_answers_command_is_scoped_and_managing_is_for_admins(
    asked: Clock, dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await asker_of(runtime).sweep(MANILA_MONDAY_9 - timedelta(minutes=110))
    shown = await dispatch(sr.slash_command("/checkin", "answers", channel_id="C0ACME"))
    assert "No answer yet from <@U0PAT>" in json.dumps(json.loads(shown.body))
    local_slack.add_channel("C0GLOBEX", "globex")
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="globex", name="Globex", channel_id="C0GLOBEX")
    refused = await dispatch(
        sr.slash_command("/checkin", 'answers "Acme BPO"', channel_id="C0GLOBEX")
    )
    assert "bound to vendor Globex" in json.loads(refused.body)["text"]
    not_admin = await dispatch(
        sr.slash_command("/checkin", 'questions "Acme BPO" "Why?"', user_id="U0PAT")
    )
    assert "admins" in json.loads(not_admin.body)["text"]
    bad = await dispatch(sr.slash_command("/checkin", 'questions "Acme BPO" lead:3d "Why?"'))
    assert "lead:" in json.loads(bad.body)["text"]
    listed = await dispatch(sr.slash_command("/checkin", "list"))  # the family still answers
    assert "Acme BPO" in json.dumps(json.loads(listed.body))
