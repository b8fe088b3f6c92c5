"""From #acme, every command, button and modal aimed at globex's items: nothing shown, nothing done.

Two vendors are seeded with one of everything (tests/hostile/world.py). Each step is sent from
acme's bound channel, as an admin (scope binds admins too) and as a vendor-channel member, and
carries globex's ids wherever a payload can carry an id. Nothing of globex may appear in any
answer, message, modal or file, and no stored row may change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.support import seed_kpis
from tests.hostile.world import ADMIN, REPORTER, VENDOR_MEMBER, Said, VendorItems, seed_world
from tests.hostile.world import stored_rows as rows_of
from tests.support import slack_requests as sr

Request = tuple[str, dict[str, str]]
ACME_CHANNEL = "C0ACME"
NEEDS_KPIS = frozenset({"suggest proposal", "checkin preview", "checkin run", "kpi week"})
SHOWING = (
    "views.open",
    "views.update",
    "chat.update",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)


@dataclass(frozen=True)
class Step:
    """One request from #acme that aims at globex; `build(user, acme, globex, url)`."""

    name: str
    build: Callable[[str, VendorItems, VendorItems, str], Request]


def slash(name: str, command: str, text: Callable[[VendorItems, VendorItems], str]) -> Step:
    def build(user: str, acme: VendorItems, globex: VendorItems, url: str) -> Request:
        return sr.slash_command(
            command, text(acme, globex), user_id=user, channel_id=ACME_CHANNEL, response_url=url
        )

    return Step(name, build)


def button(name: str, action_id: str, value: Callable[[VendorItems], str]) -> Step:
    def build(user: str, acme: VendorItems, globex: VendorItems, url: str) -> Request:
        return sr.block_action(
            action_id,
            value(globex),
            user_id=user,
            channel_id=ACME_CHANNEL,
            response_url=url,
            message_ts=f"1700000000.00010{2}",
        )

    return Step(name, build)


def modal(
    name: str,
    callback_id: str,
    metadata: Callable[[VendorItems], dict[str, object]],
    values: dict[str, Any],
) -> Step:
    """A submission whose private_metadata claims #acme and carries globex's ids."""

    def build(user: str, acme: VendorItems, globex: VendorItems, url: str) -> Request:
        return sr.view_submission(
            callback_id,
            values,
            user_id=user,
            private_metadata=json.dumps(metadata(globex)),
            view_id=f"V-{name}",
        )

    return Step(name, build)


def _text(value: str) -> dict[str, dict[str, object]]:
    return {"value": {"type": "plain_text_input", "value": value}}


FILING_VALUES = {
    "title": _text("Copy of globex"),
    "area": {"value": {"type": "static_select", "selected_option": {"value": "other"}}},
    "severity": {"value": {"type": "static_select", "selected_option": {"value": "sev2"}}},
    "vendor": {"value": {"type": "static_select", "selected_option": {"value": "globex"}}},
}
INITIATIVE_VALUES = {"title": _text("Globex push"), "vendors": _text("globex")}
STORY_VALUES = {"role": _text("mallory"), "capability": _text("x"), "benefit": _text("y")}

STEPS: tuple[Step, ...] = (
    # escalations
    slash("esc show", "/escalation", lambda a, g: g.escalation_key),
    slash("esc comment", "/escalation", lambda a, g: f"{g.escalation_key} comment hi"),
    slash("esc status", "/escalation", lambda a, g: f'{g.escalation_key} status "In Progress"'),
    slash("esc done", "/escalation", lambda a, g: f"{g.escalation_key} status Done"),
    slash("esc assign", "/escalation", lambda a, g: f"{g.escalation_key} assign <@U0VEN|v>"),
    slash("esc resolve", "/escalation", lambda a, g: f"{g.escalation_key} resolve mine now"),
    slash("esc bad verb", "/escalation", lambda a, g: f"{g.escalation_key} frobnicate"),
    slash("esc list all", "/escalation", lambda a, g: "list all"),
    slash("esc list vendor", "/escalation", lambda a, g: "list vendor:globex"),
    button("esc ack", "escalation_ack", lambda g: str(g.escalation_id)),
    button("esc update open", "escalation_update_open", lambda g: str(g.escalation_id)),
    button("esc status open", "escalation_status_open", lambda g: str(g.escalation_id)),
    button("esc resolve open", "escalation_resolve_open", lambda g: str(g.escalation_id)),
    button(
        "esc from finding",
        "escalation_from_finding",
        lambda g: json.dumps({"title": "x", "vendor": g.slug}),
    ),
    modal(
        "esc update submit",
        "escalation_update",
        lambda g: {"escalation_id": g.escalation_id, "channel": ACME_CHANNEL},
        {"value": _text("hijack")},
    ),
    modal(
        "esc status submit",
        "escalation_status",
        lambda g: {"escalation_id": g.escalation_id, "channel": ACME_CHANNEL},
        {"value": _text("In Progress")},
    ),
    modal(
        "esc resolve submit",
        "escalation_resolve",
        lambda g: {"escalation_id": g.escalation_id, "channel": ACME_CHANNEL},
        {"value": _text("root cause")},
    ),
    modal("esc file submit", "escalation_file", lambda g: {"channel": ACME_CHANNEL}, FILING_VALUES),
    # initiatives
    slash("init show", "/initiative", lambda a, g: g.initiative_key),
    slash("init update", "/initiative", lambda a, g: f"{g.initiative_key} update hijack"),
    slash("init status", "/initiative", lambda a, g: f"{g.initiative_key} status Done"),
    slash("init link", "/initiative", lambda a, g: f"{g.initiative_key} link {a.escalation_key}"),
    slash(
        "init link theirs",
        "/initiative",
        lambda a, g: f"{a.initiative_key} link {g.escalation_key}",
    ),
    slash("init child", "/initiative", lambda a, g: f'{g.initiative_key} child "story"'),
    slash("init list", "/initiative", lambda a, g: "list"),
    slash("init list vendor", "/initiative", lambda a, g: "list vendor:globex"),
    modal(
        "init new submit",
        "initiative_new",
        lambda g: {"channel_id": ACME_CHANNEL},
        INITIATIVE_VALUES,
    ),
    # action items
    slash("action list", "/action", lambda a, g: "list"),
    slash("action list vendor", "/action", lambda a, g: "list vendor:globex"),
    slash("action done", "/action", lambda a, g: f"done {g.action_id}"),
    slash("action add", "/action", lambda a, g: "add <@U0OWN|o> due:+3d x vendor:globex"),
    # suggestions
    slash("suggest list", "/suggest", lambda a, g: "list"),
    slash("suggest list new", "/suggest", lambda a, g: "list new"),
    slash("suggest proposal", "/suggest", lambda a, g: "proposal"),
    slash("suggest promote", "/suggest", lambda a, g: f"promote {g.suggestion_id}"),
    slash(
        "suggest promote under",
        "/suggest",
        lambda a, g: f"promote {a.suggestion_id} to:{g.initiative_key}",
    ),
    button("suggest upvote", "suggest_upvote", lambda g: str(g.suggestion_id)),
    button("suggest impact", "suggest_impact", lambda g: f"{g.suggestion_id}:2"),
    button("suggest edit", "suggest_edit", lambda g: str(g.suggestion_id)),
    modal(
        "suggest edit submit",
        "suggest_edit",
        lambda g: {"id": g.suggestion_id, "channel": ACME_CHANNEL, "ts": "1.2"},
        STORY_VALUES,
    ),
    # check-ins and KPIs
    slash("checkin list", "/checkin", lambda a, g: "list"),
    slash("checkin preview", "/checkin", lambda a, g: f"preview {g.slug}"),
    slash("checkin run", "/checkin", lambda a, g: f"run {g.slug}"),
    slash("checkin topic", "/checkin", lambda a, g: f"topic {g.slug} hijack"),
    slash("kpi week", "/kpi", lambda a, g: "week vendor:globex"),
)


@pytest.mark.parametrize("user", [ADMIN, VENDOR_MEMBER])
@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
async def test_nothing_of_globex_from_acme(
    dispatch: Dispatch,
    runtime: Runtime,
    engine: Engine,
    local_slack: LocalSlack,
    step: Step,
    user: str,
) -> None:
    if step.name in NEEDS_KPIS:  # demo KPIs are the slowest part of the seed
        seed_kpis(engine)
    world = seed_world(runtime, local_slack)
    acme, globex = world["acme"], world["globex"]
    before = rows_of(engine)
    said = Said(local_slack)
    response = await dispatch(
        step.build(user, acme, globex, local_slack.response_url(channel=ACME_CHANNEL))
    )
    assert response.status == 200
    shown = " ".join(said.texts(response))
    assert globex.secret not in shown, (step.name, shown[:800])
    # Whatever opens, posts or uploads carries nothing of globex (a refusal may name a key).
    for call in said.calls():
        if call.method in SHOWING:
            carried = json.dumps(call.args, ensure_ascii=False).lower()
            assert globex.slug not in carried, (step.name, call.method, call.args)
    assert rows_of(engine) == before, step.name


async def test_same_title_in_two_vendor_channels_files_two_and_reveals_nothing(
    dispatch: Dispatch, runtime: Runtime, engine: Engine, local_slack: LocalSlack
) -> None:
    world = seed_world(runtime, local_slack)
    title = "Macro misfires on refunds"
    first = await dispatch(
        sr.slash_command(
            "/escalate", f'sev2 other "{title}"', user_id=REPORTER, channel_id="C0GLOBEX"
        )
    )
    assert first.status == 200
    again = await dispatch(
        sr.slash_command(
            "/escalate", f'sev2 other "{title}"', user_id=REPORTER, channel_id=ACME_CHANNEL
        )
    )
    answer = json.loads(again.body)["text"]
    assert "already" not in answer.lower() and "globex" not in answer.lower(), answer
    from storage.engine import unit_of_work
    from storage.escalations import list_escalations

    with unit_of_work(runtime.sessions) as session:
        filed = [e.vendor for e in list_escalations(session, open_only=False) if e.title == title]
    assert sorted(v or "" for v in filed) == ["acme", "globex"]
    assert world["acme"].secret not in answer


async def test_proposal_in_a_vendor_channel_carries_that_vendors_kpis_only(
    dispatch: Dispatch, runtime: Runtime, engine: Engine, local_slack: LocalSlack
) -> None:
    seed_kpis(engine)
    world = seed_world(runtime, local_slack)

    async def proposal(channel: str) -> str:
        said = Said(local_slack)
        response = await dispatch(
            sr.slash_command(
                "/suggest",
                "proposal",
                channel_id=channel,
                response_url=local_slack.response_url(channel=channel),
            )
        )
        return " ".join(said.texts(response))

    team, acme = await proposal("C0OPS"), await proposal(ACME_CHANNEL)
    # The team's proposal has every suggestion; acme's has acme's only, and other numbers.
    assert world["globex"].secret in team and world["acme"].secret in team
    assert world["globex"].secret not in acme and world["acme"].secret in acme
    team_kpis = team.split("KPI", 1)[-1][:400]
    acme_kpis = acme.split("KPI", 1)[-1][:400]
    assert team_kpis != acme_kpis
