"""Admin-only actions refused for members; vendor-bound channels never show another vendor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.app import OpsbotApp
from bot.local_slack import LocalSlack
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.hostile.support import seed_kpis, sent_texts, table_counts
from tests.support.slack_requests import slash_command

MEMBER = "U0MEMBER"
# Arguments that would succeed for an admin, per admin-only verb.
ARGUMENTS = {
    ("/checkin", "add"): 'vendor:acme channel:#ops every:"mon 09:00" tz:UTC',
    ("/checkin", "edit"): '1 every:"tue 10:00"',
}
# Admin-only forms not declared in a family's admin_only (forwarded sub-commands).
EXTRA_ADMIN_FORMS = ("/opsbot rule add aht>600 sev2", "/opsbot rule remove 1", "/opsbot rule list")


def admin_forms(app: OpsbotApp) -> list[str]:
    """Every admin-only form the catalog declares, plus the forwarded ones."""
    forms = [
        f"{family.command} {verb} {ARGUMENTS.get((family.command, verb), '1')}"
        for family in app.catalog.families
        for verb in family.admin_only
    ]
    return [*forms, *EXTRA_ADMIN_FORMS]


async def test_every_admin_only_form_is_refused_for_a_member_and_writes_nothing(
    app: OpsbotApp, dispatch: Dispatch, engine: Engine, local_slack: LocalSlack
) -> None:
    seed_kpis(engine)
    # An admin sets up a check-in and a rule, so edit/pause/remove have something to hit.
    for typed in ('/checkin add vendor:acme channel:#ops every:"mon 09:00" tz:UTC',):
        command, _, text = typed.partition(" ")
        assert (await dispatch(slash_command(command, text))).status == 200
    forms = admin_forms(app)
    assert len(forms) >= 8
    for typed in forms:
        command, _, text = typed.partition(" ")
        before = table_counts(engine)
        start = len(local_slack.calls)
        response = await dispatch(
            slash_command(
                command,
                text,
                user_id=MEMBER,
                response_url=local_slack.response_url(channel="C0OPS"),
            )
        )
        assert response.status == 200
        answer = json.loads(response.body)
        assert answer["response_type"] == "ephemeral", typed
        assert "admin" in answer["text"].lower(), (typed, answer["text"])
        assert local_slack.calls[start:] == [] or all(
            c.method in ("users.info", "usergroups.users.list") for c in local_slack.calls[start:]
        ), typed
        after = table_counts(engine)
        # Every request leaves its audit line and its dedupe key; nothing else may change.
        for bookkeeping in ("audit_event", "request_key"):
            assert after.pop(bookkeeping) == before.pop(bookkeeping) + 1
        assert after == before, typed


@pytest.fixture
def bound(engine: Engine) -> Engine:
    """acme is bound to #acme-ops; globex and initech have data too."""
    seed_kpis(engine)
    with Session(engine) as session:
        upsert_vendor(session, slug="acme", channel_id="C0ACME")
        session.commit()
    return engine


CROSS_VENDOR = (
    ("/kpi", "week vendor:globex"),
    ("/kpi", "week vendor:acme,globex"),
    ("/kpi", "why aht week vendor:globex"),
    ("/escalation", "list vendor:globex"),
    ("/escalation", "list all"),
    ("/checkin", "preview globex"),
    ("/action", "list vendor:globex"),
    ("/initiative", "list vendor:globex"),
)


@pytest.mark.parametrize(("command", "text"), CROSS_VENDOR)
async def test_vendor_bound_channel_never_shows_another_vendor(
    dispatch: Dispatch, local_slack: LocalSlack, bound: Engine, command: str, text: str
) -> None:
    local_slack.add_channel("C0ACME", "acme-ops")
    # Filed from the open channel: one globex escalation exists.
    filed = await dispatch(
        slash_command("/escalate", 'sev2 other "Globex queue stuck" vendor:globex')
    )
    assert filed.status == 200
    start = len(local_slack.calls)
    response = await dispatch(
        slash_command(
            command,
            text,
            channel_id="C0ACME",
            user_id="U0ADMIN",
            response_url=local_slack.response_url(channel="C0ACME"),
        )
    )
    assert response.status == 200
    shown = " ".join(sent_texts(response, local_slack.calls[start:])).lower()
    assert "globex queue stuck" not in shown
    # A refusal may name what was asked for; an answer may not carry globex's data.
    if "globex" in shown:
        assert any(w in shown for w in ("only", "bound", "not", "no vendor")), shown[:500]
