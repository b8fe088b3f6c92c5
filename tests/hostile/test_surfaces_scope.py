"""The Slack-native surfaces leak nothing across vendors: unfurls, mentions, the home, answers.

Two vendors are seeded with one of everything (tests/hostile/world.py). People of acme (a
mapped user, acme's bound channel) aim at globex's items through every surface; globex's
secret marker may appear nowhere, and none of globex's rows may change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.world import ADMIN, ASSIGNEE, OWNER, Said, VendorItems, seed_world
from tests.hostile.world import stored_rows as rows_of
from tests.support import slack_requests as sr
from tests.support.slack_events import app_home_opened, app_mention, link_shared

PUBLIC = "https://opsbot.example.com"
KEPT = ("escalation", "action_item", "initiative", "suggestion", "outbox_job")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"opsbot_public_url": PUBLIC}


@pytest.fixture
async def world(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> dict[str, VendorItems]:
    items = seed_world(runtime, local_slack)
    for who in (ASSIGNEE, OWNER):  # both stand in relations to globex's items too
        await dispatch(sr.slash_command("/opsbot", f"vendor member acme <@{who}|x>"))
    return items


def kept_rows(engine: Engine) -> dict[str, list[str]]:
    return {k: v for k, v in rows_of(engine).items() if k in KEPT}


async def test_links_and_mentions_from_acme_show_nothing_of_globex(
    world: dict[str, VendorItems], dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    acme, globex = world["acme"], world["globex"]
    said = Said(local_slack)
    links = [
        f"{PUBLIC}/escalations/{globex.escalation_key}",
        f"{PUBLIC}/initiatives/{globex.initiative_key}",
    ]
    shared = local_slack.user_message(acme.channel, ADMIN, " ".join(links))
    response = await dispatch(link_shared(shared, acme.channel, links))
    assert "chat.unfurl" not in said.methods()
    keys = f"{globex.escalation_key} {globex.initiative_key} {globex.escalation_id}"
    asked = local_slack.user_message(acme.channel, ADMIN, f"<@U0BOT> {keys}")
    response = await dispatch(app_mention(asked, acme.channel))
    texts = said.texts(response)
    assert texts and not any(globex.secret in t for t in texts)


async def test_a_mapped_member_home_and_buttons_stay_in_acme(
    world: dict[str, VendorItems], dispatch: Dispatch, local_slack: LocalSlack, engine: Engine
) -> None:
    acme, globex = world["acme"], world["globex"]
    said = Said(local_slack)
    for who in (ASSIGNEE, OWNER):
        await dispatch(app_home_opened(who))
        home = json.dumps(local_slack.home_view(who))
        assert acme.secret in home and globex.secret not in home
    before = kept_rows(engine)
    home_view = {"id": "V0HOME", "type": "home"}
    crafted = [
        sr.block_action(
            "home_escalation_ack", str(globex.escalation_id), user_id=ASSIGNEE, view=home_view
        ),
        sr.block_action("home_action_done", str(globex.action_id), user_id=OWNER, view=home_view),
    ]
    for request in crafted:
        response = await dispatch(request)
        assert not any(globex.secret in t for t in said.texts(response))
    assert kept_rows(engine) == before


async def test_answers_of_globex_are_not_read_from_acme(
    world: dict[str, VendorItems], dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    said = Said(local_slack)
    response = await dispatch(
        sr.slash_command("/checkin", "answers globex", channel_id=world["acme"].channel)
    )
    texts = said.texts(response)
    assert any("bound to vendor" in t for t in texts)
    assert not any(world["globex"].secret in t for t in texts)
