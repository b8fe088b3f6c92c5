"""The permissions matrix, cell by cell, through signed Slack requests; and the README's copy.

Every case is generated from `commands.permissions.MATRIX`: a person holding one role (plus
"member", or "vendor-channel member" when acting from #acme) performs the verb on acme's
item, and the bot must do it exactly when the matrix says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.app import OpsbotApp
from bot.local_slack import LocalSlack
from bot.runtime import Runtime
from commands.permissions import (
    ALL_ROLES,
    FAMILY_ROLES,
    MATRIX,
    PERMISSIONS,
    Role,
    render_matrix,
)
from tests.conftest import Dispatch
from tests.hostile.world import (
    ADMIN,
    ASSIGNEE,
    MEMBER,
    OWNER,
    REPORTER,
    TEAM_CHANNEL,
    VENDOR_MEMBER,
    Said,
    VendorItems,
    refused,
    seed_world,
    stored_rows,
)
from tests.support import slack_requests as sr

README = Path(__file__).resolve().parents[2] / "README.md"
Request = tuple[str, dict[str, str]]
# Who plays each role, and from where: vendor-channel members act from acme's own channel.
PLAYERS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: (ADMIN, TEAM_CHANNEL),
    Role.REPORTER: (REPORTER, TEAM_CHANNEL),
    Role.ASSIGNEE: (ASSIGNEE, TEAM_CHANNEL),
    Role.OWNER: (OWNER, TEAM_CHANNEL),
    Role.MEMBER: (MEMBER, TEAM_CHANNEL),
    Role.VENDOR_MEMBER: (VENDOR_MEMBER, "C0ACME"),
}


@dataclass(frozen=True)
class Attempt:
    """How to perform one verb, and what success looks like.

    `outcome`: "write" (rows stored or work queued), "modal" (a modal opened), "read" (the
    item's secret shown), or "answer" (an answer that is no refusal).
    """

    build: Callable[[str, str, VendorItems, str], Request]
    outcome: str


def _slash(command: str, text: Callable[[VendorItems], str]) -> Callable[..., Request]:
    def build(user: str, channel: str, it: VendorItems, url: str) -> Request:
        return sr.slash_command(
            command, text(it), user_id=user, channel_id=channel, response_url=url
        )

    return build


def _button(action_id: str, value: Callable[[VendorItems], str]) -> Callable[..., Request]:
    def build(user: str, channel: str, it: VendorItems, url: str) -> Request:
        return sr.block_action(
            action_id, value(it), user_id=user, channel_id=channel, response_url=url
        )

    return build


ATTEMPTS: dict[tuple[str, str], Attempt] = {
    ("escalations", "file"): Attempt(
        _slash("/escalate", lambda it: 'sev3 other "New one"'), "write"
    ),
    ("escalations", "view"): Attempt(_slash("/escalation", lambda it: it.escalation_key), "read"),
    ("escalations", "comment"): Attempt(
        _slash("/escalation", lambda it: f"{it.escalation_key} comment vendor paged"), "write"
    ),
    ("escalations", "acknowledge"): Attempt(
        _button("escalation_ack", lambda it: str(it.escalation_id)), "write"
    ),
    ("escalations", "assign"): Attempt(
        _slash("/escalation", lambda it: f"{it.escalation_key} assign <@{MEMBER}|mem>"), "write"
    ),
    ("escalations", "status"): Attempt(
        _slash("/escalation", lambda it: f'{it.escalation_key} status "In Progress"'), "write"
    ),
    ("escalations", "resolve"): Attempt(
        _slash("/escalation", lambda it: f"{it.escalation_key} resolve Botnet reused a template"),
        "write",
    ),
    ("initiatives", "create"): Attempt(_slash("/initiative", lambda it: "new"), "modal"),
    ("initiatives", "view"): Attempt(_slash("/initiative", lambda it: it.initiative_key), "read"),
    ("initiatives", "update"): Attempt(
        _slash("/initiative", lambda it: f"{it.initiative_key} update training booked"), "write"
    ),
    ("initiatives", "link"): Attempt(
        _slash("/initiative", lambda it: f"{it.initiative_key} link {it.escalation_key}"), "write"
    ),
    ("initiatives", "child"): Attempt(
        _slash("/initiative", lambda it: f'{it.initiative_key} child "A story"'), "write"
    ),
    ("initiatives", "status"): Attempt(
        _slash("/initiative", lambda it: f'{it.initiative_key} status "In Progress"'), "write"
    ),
    ("actions", "add"): Attempt(
        _slash("/action", lambda it: f"add <@{OWNER}|own> due:+3d Call the vendor"), "write"
    ),
    ("actions", "list"): Attempt(_slash("/action", lambda it: "list"), "read"),
    ("actions", "done"): Attempt(_slash("/action", lambda it: f"done {it.action_id}"), "write"),
    ("suggestions", "file"): Attempt(
        _slash("/suggest", lambda it: "Make the queue faster"), "write"
    ),
    ("suggestions", "list"): Attempt(_slash("/suggest", lambda it: "list"), "read"),
    ("suggestions", "vote"): Attempt(
        _button("suggest_upvote", lambda it: str(it.suggestion_id)), "write"
    ),
    ("suggestions", "score"): Attempt(
        _button("suggest_impact", lambda it: f"{it.suggestion_id}:2"), "write"
    ),
    ("suggestions", "edit"): Attempt(
        _button("suggest_edit", lambda it: str(it.suggestion_id)), "modal"
    ),
    ("suggestions", "promote"): Attempt(
        _slash("/suggest", lambda it: f"promote {it.suggestion_id}"), "write"
    ),
    ("checkins", "view"): Attempt(_slash("/checkin", lambda it: "list"), "answer"),
    ("checkins", "run"): Attempt(
        _slash("/checkin", lambda it: f"topic {it.slug} Discuss the roster"), "write"
    ),
    ("checkins", "manage"): Attempt(
        _slash("/checkin", lambda it: f"pause {it.schedule_id}"), "write"
    ),
    ("rules", "manage"): Attempt(_slash("/opsbot", lambda it: "rule list"), "answer"),
    ("vendors", "list"): Attempt(_slash("/opsbot", lambda it: "vendor list"), "answer"),
    ("vendors", "manage"): Attempt(
        _slash("/opsbot", lambda it: f"vendor owner {it.slug} <@{MEMBER}|mem>"), "write"
    ),
}


def roles_held(role: Role) -> frozenset[Role]:
    """Return every role the person playing `role` holds (the channel's base role too)."""
    if role is Role.VENDOR_MEMBER:
        return frozenset({role})
    return frozenset({role, Role.MEMBER})


def cells() -> list[tuple[str, str, Role]]:
    """Return every cell of the matrix that applies (relational roles on items only)."""
    out = []
    for permission in MATRIX:
        for role in ALL_ROLES:
            relational = role in (Role.REPORTER, Role.ASSIGNEE, Role.OWNER)
            if relational and (
                not permission.on_item or role not in FAMILY_ROLES[permission.family]
            ):
                continue
            out.append((permission.family, permission.verb, role))
    return out


def test_every_verb_of_the_matrix_has_an_attempt() -> None:
    assert set(ATTEMPTS) == set(PERMISSIONS)


def test_readme_carries_the_matrix_of_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- permissions:begin[^>]*-->\n(.*?)\n<!-- permissions:end -->", text, re.S
    )
    assert found is not None, "README has no permissions table"
    assert found.group(1).strip() == render_matrix().strip()


def test_help_and_catalog_mark_the_admin_only_forms_of_the_matrix(app: OpsbotApp) -> None:
    opsbot = app.catalog.find("/opsbot")
    checkin = app.catalog.find("/checkin")
    assert opsbot is not None and checkin is not None
    rule_forms = PERMISSIONS[("rules", "manage")].forms
    assert PERMISSIONS[("rules", "manage")].allowed == {Role.ADMIN}
    # /opsbot carries two admin-only groups: every rule form, and the vendor registry's changes.
    vendor_changes = {
        f"vendor {verb}" for verb in ("add", "rename", "alias", "bind", "unbind", "member", "owner")
    }
    assert PERMISSIONS[("vendors", "manage")].allowed == {Role.ADMIN}
    assert set(opsbot.admin_only) == {f"rule {form}" for form in rule_forms} | vendor_changes
    for line in opsbot.usage:
        if line.startswith("/opsbot rule"):
            assert line.endswith("(admins)"), line
        verb = line.split()[2] if line.startswith("/opsbot vendor ") else ""
        if verb:
            assert ("(admins" in line) == (f"vendor {verb}" in vendor_changes), line
    assert set(checkin.admin_only) == set(PERMISSIONS[("checkins", "manage")].forms)


@pytest.mark.parametrize(("family", "verb", "role"), cells(), ids=lambda v: str(v))
async def test_matrix_cell(
    dispatch: Dispatch,
    runtime: Runtime,
    engine: Engine,
    local_slack: LocalSlack,
    family: str,
    verb: str,
    role: Role,
) -> None:
    acme = seed_world(runtime, local_slack)["acme"]
    user, channel = PLAYERS[role]
    expected = bool(roles_held(role) & PERMISSIONS[(family, verb)].allowed)
    attempt = ATTEMPTS[(family, verb)]
    before = stored_rows(engine)
    said = Said(local_slack)
    url = local_slack.response_url(channel=channel)
    response = await dispatch(attempt.build(user, channel, acme, url))
    assert response.status == 200
    texts = said.texts(response)
    after = stored_rows(engine)
    if not expected:
        assert refused(texts), (family, verb, role, texts)
        assert after == before, (family, verb, role)
        assert "views.open" not in said.methods()
        assert acme.secret not in " ".join(texts) or attempt.outcome != "read"
        return
    assert not refused(texts), (family, verb, role, texts)
    if attempt.outcome == "write":
        assert after != before, (family, verb, role, texts)
    elif attempt.outcome == "modal":
        assert "views.open" in said.methods(), (family, verb, role, texts)
    elif attempt.outcome == "read":
        assert acme.secret in " ".join(texts), (family, verb, role, texts)
