"""A training gap's follow-up: resolving with that kind of root cause offers "Update the
article and roll out", which starts a rollout of one of the area's articles to the vendor.
The button and the modal are checked again against what is stored and who clicks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.engine import unit_of_work
from storage.escalations import Escalation, list_escalations
from storage.training import TrainingRollout
from storage.vendors import upsert_vendor
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_kb_import import article_text
from tests.integration.test_kb_search import seed
from tests.support import slack_requests as sr
from tests.support.answers import body as body_json
from tests.support.answers import settle

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
OPS = "C0OPS"
ARTICLE = "policies/imp.md"


@pytest.fixture
def world(runtime: Runtime, local_slack: LocalSlack) -> Runtime:
    """Acme with its channel; articles of two areas, one meant for globex only."""
    runtime.clock = Clock(NOW)
    local_slack.add_channel("C0ACME", "acme-training")
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", timezone="Asia/Manila")
        upsert_vendor(session, slug="acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex")
    seed(
        runtime,
        {
            ARTICLE: article_text(body="Check the badge."),
            "policies/globex-imp.md": article_text(extra="vendors: [globex]\n"),
            "policies/copyright.md": article_text(title="Takedowns", area="copyright"),
        },
    )
    return runtime


def escalation(runtime: Runtime, title: str) -> Escalation:
    with unit_of_work(runtime.sessions) as session:
        return next(e for e in list_escalations(session, open_only=False) if e.title == title)


def card_actions(local_slack: LocalSlack, item: Escalation) -> list[str]:
    message = next(m for m in local_slack.messages(OPS) if m.get("ts") == item.message_ts)
    return [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def resolve_as_training_gap(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> Escalation:
    await dispatch(
        sr.slash_command(
            "/escalate", "sev2 impersonation Agents approved clones vendor:acme", user_id="U0LEAD"
        )
    )
    await settle(runtime)
    item = escalation(runtime, "Agents approved clones")
    await dispatch(sr.block_action("escalation_resolve_open", str(item.id), user_id="U0LEAD"))
    opened = local_slack.calls_to("views.open")[-1].args["view"]
    assert any(b.get("block_id") == "kind" for b in opened["blocks"])
    values: dict[str, dict[str, dict[str, Any]]] = {
        "value": {"value": {"type": "plain_text_input", "value": "Agents never learnt badges"}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "training-gap"}}},
    }
    response = await dispatch(
        sr.view_submission(
            "escalation_resolve",
            values,
            user_id="U0LEAD",
            view_id="V0RESOLVE",
            private_metadata=opened["private_metadata"],
        )
    )
    assert response.status == 200 and not response.body
    await settle(runtime)
    return escalation(runtime, "Agents approved clones")


def rollout_values(article: str, due: str) -> dict[str, Any]:
    return {
        "article": {"value": {"type": "static_select", "selected_option": {"value": article}}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
        "note": {"value": {"type": "plain_text_input", "value": "Badges <!here>"}},
    }


async def open_rollout(
    dispatch: Any, local_slack: LocalSlack, item: Escalation, user: str
) -> dict[str, Any]:
    before = len(local_slack.calls_to("views.open"))
    await dispatch(sr.block_action("escalation_rollout_open", str(item.id), user_id=user))
    opened = local_slack.calls_to("views.open")
    assert len(opened) == before + 1
    return dict(opened[-1].args["view"])


async def submit(
    dispatch: Any, view: dict[str, Any], user: str, article: str, n: int
) -> dict[str, Any]:
    due = next(b for b in view["blocks"] if b.get("block_id") == "due")["element"]["initial_date"]
    response = await dispatch(
        sr.view_submission(
            "escalation_rollout",
            rollout_values(article, due),
            user_id=user,
            view_id=f"V0ROLL{n}",
            private_metadata=view["private_metadata"],
        )
    )
    return body_json(response)


async def test_a_training_gap_offers_the_rollout_of_the_areas_article(
    dispatch: Any, world: Runtime, local_slack: LocalSlack
) -> None:
    item = await resolve_as_training_gap(dispatch, world, local_slack)
    assert (item.root_cause_kind, item.is_open) == ("training-gap", False)
    assert card_actions(local_slack, item) == ["escalation_rollout_open"]

    view = await open_rollout(dispatch, local_slack, item, "U0MARIA")
    shown = json.dumps(view["blocks"])
    assert ARTICLE in shown
    assert "globex-imp.md" not in shown  # meant for another vendor
    assert "copyright.md" not in shown  # another area
    # Someone who is neither an admin nor the article's owner is refused under the field.
    theirs = await open_rollout(dispatch, local_slack, item, "U0OTHER")
    refused = await submit(dispatch, theirs, "U0OTHER", ARTICLE, 1)
    assert "Only opsbot admins or the article's owner" in refused["errors"]["article"]
    crafted = await submit(dispatch, view, "U0MARIA", "policies/copyright.md", 2)
    assert "Choose one of the area's articles" in crafted["errors"]["article"]
    assert table(world, TrainingRollout) == []

    started = await submit(dispatch, view, "U0MARIA", ARTICLE, 3)
    assert started["response_action"] == "update"
    assert "Rolling out" in json.dumps(started["view"])
    await settle(world)
    (rollout,) = table(world, TrainingRollout)
    assert (rollout.vendor_slug, rollout.article_version) == ("acme", 1)
    assert rollout.note.startswith("Badges")
    training_cards = [m for m in local_slack.messages("C0ACME") if "Training update" in m["text"]]
    assert len(training_cards) == 1
    assert "<!here>" not in json.dumps(local_slack.messages("C0ACME"))

    # The same version again: update the article first; once updated, it rolls out.
    again = await submit(dispatch, view, "U0MARIA", ARTICLE, 4)
    assert "update it first" in again["errors"]["article"]
    seed(world, {ARTICLE: article_text(body="Check the badge.\nCall the lead.")})
    updated = await submit(dispatch, view, "U0MARIA", ARTICLE, 5)
    assert updated["response_action"] == "update"
    versions = sorted(r.article_version for r in table(world, TrainingRollout))
    assert versions == [1, 2]
    assert local_slack.refused_calls() == []


async def test_the_rollout_button_and_modal_are_checked_again(
    dispatch: Any, world: Runtime, local_slack: LocalSlack
) -> None:
    item = await resolve_as_training_gap(dispatch, world, local_slack)
    await dispatch(
        sr.slash_command("/escalate", "sev3 impersonation Still open vendor:acme", user_id="U0LEAD")
    )
    await settle(world)
    still_open = escalation(world, "Still open")
    before = len(local_slack.calls_to("views.open"))
    # A crafted click on an escalation that is no training gap opens nothing.
    await dispatch(
        sr.block_action("escalation_rollout_open", str(still_open.id), user_id="U0ADMIN")
    )
    # Nor does a click from another vendor's channel (the escalation is out of its scope).
    with unit_of_work(world.sessions) as session:
        upsert_vendor(session, slug="globex", channel_id="C0GLOBEX")
    await dispatch(
        sr.block_action(
            "escalation_rollout_open", str(item.id), user_id="U0ADMIN", channel_id="C0GLOBEX"
        )
    )
    assert len(local_slack.calls_to("views.open")) == before
    # Modal metadata not sealed by this server for this user is refused.
    view = await open_rollout(dispatch, local_slack, item, "U0ADMIN")
    forged = {**view, "private_metadata": json.dumps({"escalation_id": still_open.id})}
    answer = await submit(dispatch, forged, "U0ADMIN", ARTICLE, 6)
    assert "expired" in answer["errors"]["article"]
    stolen = await submit(dispatch, view, "U0MARIA", ARTICLE, 7)  # sealed for U0ADMIN
    assert "expired" in stolen["errors"]["article"]
    assert table(world, TrainingRollout) == []
