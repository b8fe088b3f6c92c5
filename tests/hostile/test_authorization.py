"""Admin-only actions refused for members; vendor-bound channels never show another vendor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.app import OpsbotApp
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from storage.actions import open_actions
from storage.engine import unit_of_work
from storage.escalations import Escalation, escalation_by_id, events_for, list_escalations
from storage.initiatives import Initiative
from storage.outbox import list_jobs
from storage.suggestions import list_suggestions, suggestion_by_id
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.hostile.support import seed_kpis, sent_texts, table_counts
from tests.support.answers import settle
from tests.support.slack_requests import block_action, slash_command, view_submission

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


# -- finding 2: nobody but the reporter, the assignee or an admin closes an escalation --------

REPORTER, STRANGER = "U0REP", "U0MEM"


async def _filed_escalation(dispatch: Dispatch, runtime: Runtime, title: str) -> Escalation:
    """File one escalation as the reporter, through the front door, and let the outbox run."""
    answer = await dispatch(slash_command("/escalate", f'sev2 other "{title}"', user_id=REPORTER))
    assert answer.status == 200
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        (escalation,) = [e for e in list_escalations(session, open_only=False) if e.title == title]
    assert escalation.key is not None
    return escalation


def _reloaded(runtime: Runtime, escalation_id: int | None) -> Escalation:
    with unit_of_work(runtime.sessions) as session:
        stored = escalation_by_id(session, escalation_id or 0)
        assert stored is not None
        return stored


def _assert_still_open(runtime: Runtime, escalation: Escalation) -> None:
    stored = _reloaded(runtime, escalation.id)
    assert stored.status_category != "done", stored.status
    assert stored.root_cause is None and stored.resolved_at is None


async def test_status_done_is_a_resolve_refused_for_a_member_and_needs_a_root_cause(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    for user, status in ((STRANGER, "Done"), (STRANGER, "resolved"), (REPORTER, "Done")):
        response = await dispatch(
            slash_command("/escalation", f"{escalation.key} status {status}", user_id=user)
        )
        text = json.loads(response.body)["text"]
        if user == STRANGER:
            assert "Only the reporter, the assignee or an opsbot admin" in text, text
        else:
            assert "root cause" in text and "Resolve" in text, text
    # A done status by the workflow's own id ("31" is Done) is caught where the category is
    # known: at once when the workflow answered in time, else by the job, privately.
    response = await dispatch(
        slash_command("/escalation", f"{escalation.key} status 31", user_id=REPORTER)
    )
    await settle(runtime)
    _assert_still_open(runtime, escalation)
    told = [c.args["text"] for c in local_slack.calls_to("chat.postEphemeral")]
    told.append(json.loads(response.body)["text"])
    assert any("root cause" in t for t in told), told


async def test_change_status_modal_with_done_is_refused(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    value = str(escalation.id)
    # A member cannot open it at all; the reporter can, and "Done" in it is refused.
    await dispatch(block_action("escalation_status_open", value, user_id=STRANGER))
    assert local_slack.calls_to("views.open") == []
    await dispatch(block_action("escalation_status_open", value, user_id=REPORTER))
    (opened,) = local_slack.calls_to("views.open")
    metadata = opened.args["view"]["private_metadata"]
    done = {"value": {"value": {"type": "plain_text_input", "value": "Done"}}}
    answer = await dispatch(
        view_submission("escalation_status", done, user_id=REPORTER, private_metadata=metadata)
    )
    assert "root cause" in json.loads(answer.body)["errors"]["value"]
    # The member, with the reporter's form or with one made up, is refused too.
    forged = json.dumps({"escalation_id": escalation.id, "channel": "C0OPS"})
    for n, meta in enumerate((metadata, forged)):
        answer = await dispatch(
            view_submission(
                "escalation_status", done, user_id=STRANGER, private_metadata=meta, view_id=f"V{n}"
            )
        )
        assert json.loads(answer.body)["response_action"] == "errors"
    await settle(runtime)
    _assert_still_open(runtime, escalation)


async def test_assigning_oneself_then_resolving_is_refused(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    response = await dispatch(
        slash_command("/escalation", f"{escalation.key} assign <@{STRANGER}|mem>", user_id=STRANGER)
    )
    assert "Only" in json.loads(response.body)["text"]
    await settle(runtime)
    response = await dispatch(
        slash_command("/escalation", f"{escalation.key} resolve it was me", user_id=STRANGER)
    )
    assert "Only" in json.loads(response.body)["text"]
    await settle(runtime)
    assert _reloaded(runtime, escalation.id).assignee_slack_id is None
    _assert_still_open(runtime, escalation)


async def test_acknowledge_is_idempotent_and_grants_no_resolve(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    escalation = await _filed_escalation(dispatch, runtime, "Queue stuck")
    value = str(escalation.id)
    for _ in range(2):  # two separate clicks (two trigger ids), not a retry
        await dispatch(block_action("escalation_ack", value, user_id=STRANGER))
        await settle(runtime)
    stored = _reloaded(runtime, escalation.id)
    assert stored.status == "In Progress" and stored.assignee_slack_id is None
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(
        block_action("escalation_resolve_open", value, user_id=STRANGER, response_url=url)
    )
    assert local_slack.calls_to("views.open") == []
    response = await dispatch(
        slash_command("/escalation", f"{escalation.key} resolve acked it", user_id=STRANGER)
    )
    assert "Only" in json.loads(response.body)["text"]
    await settle(runtime)
    _assert_still_open(runtime, escalation)
    with unit_of_work(runtime.sessions) as session:
        moves = [e for e in events_for(session, escalation.id or 0) if e.kind == "status"]
    assert len(moves) == 1  # the second click changed nothing


# -- finding 7: ownership ----------------------------------------------------------------------


async def test_only_the_owner_or_an_admin_closes_an_action_and_the_owner_is_told(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    added = await dispatch(
        slash_command("/action", "add <@U0OWN|own> due:+3d Send the roster", user_id=REPORTER)
    )
    assert added.status == 200
    with unit_of_work(runtime.sessions) as session:
        (item,) = open_actions(session)
    for user in (STRANGER, REPORTER):
        response = await dispatch(slash_command("/action", f"done {item.id}", user_id=user))
        assert "Only the owner or an opsbot admin" in json.loads(response.body)["text"]
    with unit_of_work(runtime.sessions) as session:
        assert [i.id for i in open_actions(session)] == [item.id]
    await dispatch(slash_command("/action", f"done {item.id}", user_id="U0ADMIN"))
    with unit_of_work(runtime.sessions) as session:
        assert open_actions(session) == []
    dms = [c.args for c in local_slack.calls_to("chat.postMessage") if c.args["channel"] == "U0OWN"]
    assert dms and "<@U0ADMIN>" in dms[0]["text"] and "Send the roster" in dms[0]["text"]


async def test_only_the_author_or_an_admin_rewrites_a_suggestion_story(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await dispatch(slash_command("/suggest", "A shared legal hold tracker", user_id=REPORTER))
    with unit_of_work(runtime.sessions) as session:
        (suggestion,) = list_suggestions(session)
    story = suggestion.story
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(
        block_action("suggest_edit", str(suggestion.id), user_id=STRANGER, response_url=url)
    )
    assert local_slack.calls_to("views.open") == []
    await dispatch(block_action("suggest_edit", str(suggestion.id), user_id=REPORTER))
    (opened,) = local_slack.calls_to("views.open")
    values = {
        "role": {"value": {"type": "plain_text_input", "value": "mallory"}},
        "capability": {"value": {"type": "plain_text_input", "value": "to own this"}},
        "benefit": {"value": {"type": "plain_text_input", "value": "I win"}},
    }
    forged = json.dumps({"id": suggestion.id, "channel": "C0OPS"})
    for n, meta in enumerate((opened.args["view"]["private_metadata"], forged)):
        answer = await dispatch(
            view_submission(
                "suggest_edit", values, user_id=STRANGER, private_metadata=meta, view_id=f"V{n}"
            )
        )
        assert json.loads(answer.body)["response_action"] == "errors"
    with unit_of_work(runtime.sessions) as session:
        stored = suggestion_by_id(session, suggestion.id or 0)
        assert stored is not None and stored.story == story


async def test_only_the_owner_or_an_admin_changes_an_initiative_status(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(
            Initiative(
                dedupe_key="seed",
                title="Vendor training",
                owner_id="U0OWN",
                created_by=REPORTER,
                key="INIT-9",
                filing_state="filed",
            )
        )
    for user in (STRANGER, REPORTER):
        response = await dispatch(slash_command("/initiative", "INIT-9 status Done", user_id=user))
        assert "Only the owner or an opsbot admin" in json.loads(response.body)["text"]
    with unit_of_work(runtime.sessions) as session:
        assert list_jobs(session) == []
    response = await dispatch(slash_command("/initiative", "INIT-9 status Done", user_id="U0OWN"))
    assert "Moving INIT-9" in json.loads(response.body)["text"]
