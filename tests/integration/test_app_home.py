"""App Home through signed app_home_opened events and home buttons, checked in the local Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.home import handlers
from commands.home.jobs import HomePublisher
from storage.actions import open_actions
from storage.engine import unit_of_work
from storage.escalations import escalation_by_key, list_escalations
from storage.suggestions import Suggestion
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.support import slack_requests as sr
from tests.support.answers import settle
from tests.support.slack_events import app_home_opened

PARTNER_TEAM = "T0ACME"


def home_text(slack: LocalSlack, user_id: str) -> str:
    view = slack.home_view(user_id)
    assert view is not None, f"no home published for {user_id}"
    assert view["type"] == "home"
    return json.dumps(view["blocks"], ensure_ascii=False)


def home_of(runtime: Runtime) -> HomePublisher:
    publisher = runtime.home
    assert isinstance(publisher, HomePublisher)
    return publisher


@pytest.fixture
async def world(dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack) -> Runtime:
    """Vendor acme (channel C0ACME), a partner-team member and a mapped user, two escalations."""
    local_slack.add_channel("C0ACME", "acme-shared")
    local_slack.add_user("U0PAT", "pat", team_id=PARTNER_TEAM)
    local_slack.add_user("U0VIC", "vic")
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex")
    for who in (PARTNER_TEAM, "<@U0VIC|vic>"):
        answer = await dispatch(sr.slash_command("/opsbot", f"vendor member acme {who}"))
        assert "now belongs to vendor *Acme BPO*" in json.loads(answer.body)["text"]
    await dispatch(sr.slash_command("/escalate", 'sev2 other "Acme queue stuck" vendor:acme'))
    await dispatch(sr.slash_command("/escalate", 'sev1 other "Globex login outage" vendor:globex'))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        keys = [str(e.key) for e in list_escalations(session)]
    for key in keys:
        await dispatch(sr.slash_command("/escalation", f"{key} assign <@U0PAT|pat>"))
    await dispatch(sr.slash_command("/action", "add <@U0ADMIN|admin> due:today Call acme"))
    await settle(runtime)
    return runtime


async def test_only_admins_map_people_to_vendors(dispatch: Dispatch) -> None:
    refused = await dispatch(
        sr.slash_command("/opsbot", "vendor member acme <@U0PAT|pat>", user_id="U0VIC")
    )
    assert "admin" in json.loads(refused.body)["text"]
    bad = await dispatch(sr.slash_command("/opsbot", "vendor member acme someone"))
    assert "@-menu" in json.loads(bad.body)["text"]


async def test_home_lists_my_work_sev_first_with_buttons(
    world: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    await dispatch(app_home_opened("U0ADMIN"))
    text = home_text(local_slack, "U0ADMIN")
    assert text.index("Globex login outage") < text.index("Acme queue stuck")  # SEV1 first
    assert "Call acme" in text
    for button in ("File escalation", "Add action item", "Suggest an improvement"):
        assert button in text
    assert "My initiatives" in text and "KPIs this week" in text


async def test_partner_team_and_mapped_user_see_their_vendor_only(
    world: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    await dispatch(app_home_opened("U0PAT", team_id=PARTNER_TEAM))
    text = home_text(local_slack, "U0PAT")
    assert "Acme queue stuck" in text
    assert "Globex" not in text
    assert "Acme BPO" in text
    await dispatch(app_home_opened("U0VIC"))
    assert "Globex" not in home_text(local_slack, "U0VIC")


async def test_home_refreshes_once_when_my_data_changes(
    world: Runtime, dispatch: Dispatch, local_slack: LocalSlack, settings: Settings
) -> None:
    await dispatch(app_home_opened("U0ADMIN"))
    publisher = home_of(world)
    now = world.clock()
    assert await publisher.sweep(now) == 0  # nothing changed: nothing published
    await dispatch(sr.slash_command("/action", "add <@U0ADMIN|admin> due:tomorrow Ring globex"))
    await dispatch(sr.slash_command("/action", "add <@U0ADMIN|admin> due:tomorrow Mail globex"))
    before = len(local_slack.calls_to("views.publish"))
    other = build_runtime(settings)  # a second replica on the same database
    try:
        published = await publisher.sweep(now) + await home_of(other).sweep(now)
    finally:
        await other.aclose()
    assert published == 1  # two changes, two replicas: one publish
    assert len(local_slack.calls_to("views.publish")) == before + 1
    assert "Ring globex" in home_text(local_slack, "U0ADMIN")


async def test_home_buttons_act_within_my_scope(
    world: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    await dispatch(app_home_opened("U0ADMIN"))
    home_view = {"id": "V0HOME", "type": "home"}
    with unit_of_work(world.sessions) as session:
        (item,) = open_actions(session, owner_id="U0ADMIN")
        (globex,) = list_escalations(session, vendors=["globex"])
    await dispatch(sr.block_action("home_action_done", str(item.id), view=home_view))
    assert "Call acme" not in home_text(local_slack, "U0ADMIN")

    # The partner crafts a click on Globex's escalation: it reads as not found.
    await dispatch(
        sr.block_action("home_escalation_ack", str(globex.id), user_id="U0PAT", view=home_view)
    )
    await settle(world)
    with unit_of_work(world.sessions) as session:
        still = escalation_by_key(session, str(globex.key))
        assert still is not None and still.status_category == "new"
    dm = [m["text"] for m in local_slack.messages(local_slack_dm(local_slack, "U0PAT"))]
    assert any("no such escalation" in t for t in dm), dm

    await dispatch(sr.block_action("home_file_escalation", user_id="U0PAT", view=home_view))
    (opened,) = local_slack.calls_to("views.open")
    sealed = json.loads(opened.args["view"]["private_metadata"])
    assert sealed["channel"] == "C0ACME"  # files into the vendor's scope


def local_slack_dm(slack: LocalSlack, user_id: str) -> str:
    return slack.workspace.open_dm([user_id])


async def test_home_modals_add_an_action_item_and_a_suggestion(
    world: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    await dispatch(app_home_opened("U0VIC"))
    home_view = {"id": "V0HOME", "type": "home"}
    await dispatch(sr.block_action("home_add_action", user_id="U0VIC", view=home_view))
    (opened,) = local_slack.calls_to("views.open")
    meta = opened.args["view"]["private_metadata"]
    values: dict[str, Any] = {
        "text": {"value": {"type": "plain_text_input", "value": "Train the night shift"}},
        "owner": {"value": {"type": "users_select", "selected_user": "U0VIC"}},
        "due": {"value": {"type": "plain_text_input", "value": "someday"}},
    }
    bad = await dispatch(
        sr.view_submission("home_action_add", values, private_metadata=meta, user_id="U0VIC")
    )
    assert json.loads(bad.body)["errors"].keys() == {"due"}
    values["due"]["value"]["value"] = "fri"
    good = await dispatch(
        sr.view_submission("home_action_add", values, private_metadata=meta, user_id="U0VIC")
    )
    assert json.loads(good.body)["response_action"] == "update", good.body
    with unit_of_work(world.sessions) as session:
        (item,) = open_actions(session, owner_id="U0VIC")
    assert item.vendor_slug == "acme"  # a vendor member's item is that vendor's
    assert "Train the night shift" in home_text(local_slack, "U0VIC")
    forged = await dispatch(
        sr.view_submission(
            "home_action_add", values, private_metadata=meta, user_id="U0PAT", view_id="V0FORGED"
        )
    )
    assert json.loads(forged.body)["errors"] == {"text": handlers.EXPIRED}

    await dispatch(sr.block_action("home_suggest", user_id="U0VIC", view=home_view))
    meta = local_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    text = {"text": {"value": {"type": "plain_text_input", "value": "Share the macro list"}}}
    await dispatch(
        sr.view_submission("home_suggest_add", text, private_metadata=meta, user_id="U0VIC")
    )
    with unit_of_work(world.sessions) as session:
        (suggestion,) = list(session.exec(select(Suggestion)))
    assert suggestion.channel_id == "C0ACME"  # belongs to the vendor, like one filed there
