"""`/training`: rollouts to vendor channels, the trainer's buttons, status, nudges, digests."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.checkins.digest_build import build_digest
from commands.training.jobs import TrainingJobs
from storage.engine import unit_of_work
from storage.training import PENDING, SCHEDULED, TRAINED, TrainingQuestion, TrainingRollout
from storage.vendors import Vendor, upsert_vendor, vendor_by_slug_or_name
from tests.conftest import Dispatch
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_kb_import import article_text
from tests.integration.test_kb_search import seed
from tests.support.answers import ok_body, settle
from tests.support.slack_requests import (
    block_action,
    sample,
    sign,
    slash_command,
    to_bolt_request,
    view_submission,
)

# Wednesday 18 Nov 2026, 12:00 UTC (20:00 in Manila); "due:fri" is Friday 20 Nov.
NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
ARTICLE = "policies/imp.md"
ROLLOUT = f"rollout {ARTICLE} to:acme,globex due:fri Please retrain <!here> & thanks"


@pytest.fixture
def world(runtime: Runtime, local_slack: LocalSlack) -> Runtime:
    """Two vendors with channels, an article at v2 owned by U0MARIA, a fixed clock."""
    runtime.clock = Clock(NOW)
    local_slack.add_channel("C0ACME", "acme-training")
    local_slack.add_channel("C0GLOBEX", "globex-training")
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", timezone="Asia/Manila")
        upsert_vendor(session, slug="globex", name="Globex", timezone="America/New_York")
        upsert_vendor(session, slug="acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", channel_id="C0GLOBEX")
        upsert_vendor(session, slug="initech", name="Initech")  # no channel
    seed(runtime, {ARTICLE: article_text(body="Check the badge.\nCall the lead.")})
    seed(runtime, {ARTICLE: article_text(body="Check the badge.\nEscalate <b> to SEV2.")})
    return runtime


def cards(local_slack: LocalSlack, channel: str) -> list[dict[str, Any]]:
    """Return the rollout cards posted in a channel (not thread replies)."""
    return [
        m
        for m in local_slack.messages(channel)
        if "Training update" in m.get("text", "") and not m.get("thread_ts")
    ]


def rollouts(runtime: Runtime) -> dict[str, TrainingRollout]:
    """Return the rollouts by vendor."""
    return {r.vendor_slug: r for r in table(runtime, TrainingRollout)}


def datepicker_click(
    rollout_id: int, picked: str, *, channel_id: str, user_id: str, response_url: str
) -> tuple[str, dict[str, str]]:
    """Build a datepicker choice on the rollout card, shaped like Slack's."""
    payload = sample("block_actions")
    payload["user"]["id"] = user_id
    payload["channel"]["id"] = channel_id
    payload["container"]["channel_id"] = channel_id
    payload["response_url"] = response_url
    payload["actions"] = [
        {
            "type": "datepicker",
            "action_id": "training_scheduled",
            "block_id": f"training:{rollout_id}",
            "selected_date": picked,
            "initial_date": None,
            "action_ts": "1700000001.000200",
        }
    ]
    encoded = urlencode({"payload": json.dumps(payload)})
    return encoded, sign(encoded)


async def test_rollout_posts_a_card_per_vendor_with_the_diff(
    dispatch: Dispatch, world: Runtime, local_slack: LocalSlack
) -> None:
    answer = ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    assert "to acme, globex, due Fri 20 Nov" in answer["text"]
    await settle(world, horizon=0.0)
    for channel in ("C0ACME", "C0GLOBEX"):
        (card,) = cards(local_slack, channel)
        dumped = json.dumps(card["blocks"])
        assert "v1 \\u2192 v2: +1 \\u22121 lines" in dumped
        assert "-Call the lead." in dumped and "+Escalate &lt;b&gt; to SEV2." in dumped
        assert "&lt;!here&gt; &amp; thanks" in dumped and "<!here>" not in dumped
        (actions,) = [b for b in card["blocks"] if b["type"] == "actions"]
        kinds = [e.get("action_id") for e in actions["elements"]]
        assert kinds == ["training_trained", "training_scheduled", "training_question"]
    stored = rollouts(world)
    assert {s.state for s in stored.values()} == {PENDING}
    assert all(s.message_ts for s in stored.values())
    assert stored["acme"].due == date(2026, 11, 20) and stored["acme"].article_version == 2
    again = ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    assert "Already rolled out to acme, globex" in again["text"]
    await settle(world, horizon=0.0)
    assert len(cards(local_slack, "C0ACME")) == 1 and len(table(world, TrainingRollout)) == 2


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("U0OTHER", ROLLOUT, "Only opsbot admins or the article's owner"),
        ("U0ADMIN", f"rollout {ARTICLE} to:acmee due:fri", "Closest: acme"),
        ("U0ADMIN", f"rollout {ARTICLE} to:initech due:fri", "Initech has no vendor channel"),
        ("U0ADMIN", f"rollout {ARTICLE} to:acme", "Give a due day"),
        ("U0ADMIN", "rollout nope.md to:acme due:fri", "No article `nope.md`"),
        ("U0ADMIN", f"rollout {ARTICLE} due:fri", "Name the vendors"),
    ],
)
async def test_refused_rollouts_write_nothing(
    dispatch: Dispatch, world: Runtime, user: str, text: str, expected: str
) -> None:
    answer = ok_body(await dispatch(slash_command("/training", text, user_id=user)))
    assert expected in answer["text"]
    assert table(world, TrainingRollout) == []


async def test_buttons_record_answers_only_in_their_vendors_channel(
    dispatch: Dispatch, world: Runtime, local_slack: LocalSlack
) -> None:
    ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0ADMIN")))
    await settle(world, horizon=0.0)
    acme_id = rollouts(world)["acme"].id or 0
    # Acme's button replayed in Globex's channel: refused, nothing changes.
    wrong = local_slack.response_url(channel="C0GLOBEX")
    await dispatch(
        block_action(
            "training_trained",
            str(acme_id),
            channel_id="C0GLOBEX",
            user_id="U0G",
            response_url=wrong,
        )
    )
    refused = [e for e in local_slack.ephemeral_messages() if e.get("url") == wrong]
    assert "another vendor's channel" in refused[0]["text"]
    assert rollouts(world)["acme"].state == PENDING
    # The right channel: trained, and the card loses its buttons.
    acme_card = cards(local_slack, "C0ACME")[0]
    right = local_slack.response_url(channel="C0ACME")
    await dispatch(
        block_action(
            "training_trained",
            str(acme_id),
            channel_id="C0ACME",
            user_id="U0TRAINER",
            message_ts=acme_card["ts"],
            response_url=right,
        )
    )
    await settle(world, horizon=0.0)
    acme = rollouts(world)["acme"]
    assert (acme.state, acme.state_by, acme.state_at) == (TRAINED, "U0TRAINER", NOW)
    refreshed = cards(local_slack, "C0ACME")[0]
    assert "trained by <@U0TRAINER>" in json.dumps(refreshed["blocks"])
    assert not [b for b in refreshed["blocks"] if b["type"] == "actions"]
    # Globex books a day with the date picker.
    globex_id = rollouts(world)["globex"].id or 0
    await dispatch(
        datepicker_click(
            globex_id,
            "2026-11-24",
            channel_id="C0GLOBEX",
            user_id="U0GT",
            response_url=local_slack.response_url(channel="C0GLOBEX"),
        )
    )
    globex = rollouts(world)["globex"]
    assert (globex.state, globex.scheduled_for) == (SCHEDULED, date(2026, 11, 24))
    status = ok_body(await dispatch(slash_command("/training", "status")))
    assert "globex" in status["text"] and "scheduled for Tue 24 Nov" in status["text"]
    assert "*acme*" not in status["text"]
    mine = ok_body(await dispatch(slash_command("/training", "status", channel_id="C0ACME")))
    assert "every vendor has trained" in mine["text"]
    nosy = ok_body(
        await dispatch(slash_command("/training", "status vendor:globex", channel_id="C0ACME"))
    )
    assert "bound to vendor Acme BPO" in nosy["text"]


def question_view(local_slack: LocalSlack) -> dict[str, Any]:
    """Return the last modal opened."""
    view = local_slack.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def typed_question(text: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Return the Question modal's state with `text` typed in."""
    return {"question": {"text": {"type": "plain_text_input", "value": text}}}


async def test_question_modal_reaches_the_article_owner(
    dispatch: Dispatch, world: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_user("U0MARIA", "maria")
    ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    await settle(world, horizon=0.0)
    acme = rollouts(world)["acme"]
    click = block_action("training_question", str(acme.id), channel_id="C0ACME", user_id="U0TR")
    await dispatch(click)
    view = question_view(local_slack)
    assert view["callback_id"] == "training_question_modal"
    meta = view["private_metadata"]
    empty = await dispatch(view_submission(view["callback_id"], typed_question(" "), **_by(meta)))
    assert "Type your question first" in json.loads(empty.body)["errors"]["question"]
    question = "Does <!channel> apply to *minors* & teens?"
    for _ in range(2):  # a repeated submission stores and sends it once
        await dispatch(view_submission(view["callback_id"], typed_question(question), **_by(meta)))
    await settle(world, horizon=0.0)
    (stored,) = table(world, TrainingQuestion)
    assert (stored.vendor_slug, stored.asked_by, stored.text) == ("acme", "U0TR", question)
    assert rollouts(world)["acme"].state == "question"
    dms = [c.args for c in local_slack.calls_to("chat.postMessage") if "asks about" in str(c.args)]
    assert len(dms) == 1
    dm_channel = local_slack.calls_to("conversations.open")[-1]
    assert dm_channel.args["users"] == "U0MARIA"  # the article's owner
    dumped = json.dumps(dms[0])
    assert "&lt;!channel&gt;" in dumped and "&amp; teens" in dumped and "<!channel>" not in dumped
    replies = [m for m in local_slack.messages("C0ACME") if m.get("thread_ts") == acme.message_ts]
    assert len(replies) == 1 and "<@U0TR> has a question" in replies[0]["text"]
    assert "<@U0MARIA>" in replies[0]["text"]


def _by(meta: str, user_id: str = "U0TR") -> dict[str, Any]:
    return {"private_metadata": meta, "user_id": user_id}


async def test_question_is_refused_outside_the_rollouts_channel_and_for_forged_forms(
    dispatch: Dispatch, world: Runtime, local_slack: LocalSlack
) -> None:
    ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    await settle(world, horizon=0.0)
    acme = rollouts(world)["acme"]
    await dispatch(
        block_action(
            "training_question",
            str(acme.id),
            channel_id="C0GLOBEX",
            user_id="U0TR",
            response_url=local_slack.response_url(channel="C0GLOBEX"),
        )
    )
    assert local_slack.calls_to("views.open") == []
    await dispatch(block_action("training_question", str(acme.id), channel_id="C0ACME"))
    meta = question_view(local_slack)["private_metadata"]
    # Another user replaying the sealed form, or a form naming another rollout, gets nothing in.
    stolen = await dispatch(
        view_submission("training_question_modal", typed_question("hi"), **_by(meta, "U0EVE"))
    )
    assert "expired" in json.loads(stolen.body)["errors"]["question"]
    forged = json.dumps({"rollout": str(acme.id), "channel": "C0ACME", "sig": "0" * 32})
    refused = await dispatch(
        view_submission(
            "training_question_modal", typed_question("hi"), view_id="V2", **_by(forged)
        )
    )
    assert "expired" in json.loads(refused.body)["errors"]["question"]
    assert table(world, TrainingQuestion) == []


async def test_state_survives_a_restart(
    dispatch: Dispatch, world: Runtime, settings: Settings, engine: Engine
) -> None:
    ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    await settle(world, horizon=0.0)
    restarted = build_runtime(settings, engine=engine)
    restarted.clock = Clock(NOW + timedelta(days=3))
    try:
        app = create_app(restarted)
        response = await app.async_dispatch(
            to_bolt_request(*slash_command("/training", f"status {ARTICLE}"))
        )
        text = ok_body(response)["text"]
        assert "2 open, 2 not answered" in text
        assert text.count(":warning: *overdue*") == 2
    finally:
        await restarted.aclose()


async def test_overdue_nudge_once_a_day_across_two_replicas(
    dispatch: Dispatch, world: Runtime, settings: Settings, engine: Engine, local_slack: LocalSlack
) -> None:
    ok_body(await dispatch(slash_command("/training", f"rollout {ARTICLE} to:acme due:fri")))
    await settle(world, horizon=0.0)
    replica = build_runtime(settings, engine=engine)
    try:
        jobs: list[TrainingJobs] = [
            world.training_jobs,
            replica.training_jobs,
        ]
        # Saturday 08:30 in Manila: overdue, but before the vendor's 09:00.
        early = Clock(datetime(2026, 11, 21, 0, 30, tzinfo=UTC))
        for runtime in (world, replica):
            runtime.clock = early
        assert sum(await asyncio.gather(*(j.send_nudges() for j in jobs))) == 0
        early.now = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)  # 09:30 in Manila
        assert sum(await asyncio.gather(*(j.send_nudges() for j in jobs))) == 1
        assert sum(await asyncio.gather(*(j.send_nudges() for j in jobs))) == 0
        await settle(world, horizon=0.0)
        card = cards(local_slack, "C0ACME")[0]
        nudges = [m for m in local_slack.messages("C0ACME") if m.get("thread_ts") == card["ts"]]
        assert len(nudges) == 1 and "was due Fri 20 Nov" in nudges[0]["text"]
        early.now += timedelta(days=1)
        assert sum(await asyncio.gather(*(j.send_nudges() for j in jobs))) == 1
    finally:
        await replica.aclose()


async def test_open_rollouts_appear_in_the_vendor_digest(
    dispatch: Dispatch, world: Runtime
) -> None:
    ok_body(await dispatch(slash_command("/training", ROLLOUT, user_id="U0MARIA")))
    with unit_of_work(world.sessions) as session:
        vendor = vendor_by_slug_or_name(session, "acme")
        assert isinstance(vendor, Vendor)
        content = build_digest(
            session=session,
            sources=world.digest_sources,
            vendor=vendor,
            now=NOW + timedelta(days=5),
            timezone="Asia/Manila",
        )
    (section,) = [s for s in content.sections if s.key == "training"]
    assert len(section.lines) == 1
    assert ARTICLE in section.lines[0] and "overdue" in section.lines[0]
