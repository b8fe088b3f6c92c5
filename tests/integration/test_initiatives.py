"""Initiatives end to end: signed requests in, the real jira client against FakeJira."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.digest import DigestWindow
from commands.initiatives.digest import InitiativeDigestSource
from commands.initiatives.risk import assess
from integrations.tracker.jira_webhook import read_jira_webhook
from storage.engine import unit_of_work
from storage.escalations import Escalation
from storage.initiatives import Initiative, initiative_by_key, list_initiatives
from storage.vendors import upsert_vendor
from tests.fakes.jira_server import FakeJira
from tests.fakes.jira_webhooks import jira_webhook_payload, status_change
from tests.support import slack_requests as sr
from tests.support.answers import settle

CHANNEL = "C0INIT"
SECRET = "jira-webhook-secret-0123456789"


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    local_slack.add_channel(CHANNEL, "initiatives")
    local_slack.add_user("U0OWNER", "owner", email="owner@example.com")
    return {
        "jira_url": fake_jira.url,
        "jira_email": "bot@example.com",
        "jira_api_token": "api-token-0123456789",
        "jira_webhook_secret": SECRET,
        "opsbot_initiative_channel": CHANNEL,
        "opsbot_outbox_base_delay": 0.01,
        "opsbot_outbox_max_delay": 0.05,
    }


def modal_values(title: str = "Cut impersonation AHT", target: str = "2027-03-01") -> Any:
    return {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "goal": {"value": {"type": "plain_text_input", "value": "AHT under 8m <!channel>"}},
        "owner": {"value": {"type": "users_select", "selected_user": "U0OWNER"}},
        "stakeholders": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "policy"}, {"value": "vendor"}],
            }
        },
        "target": {"value": {"type": "datepicker", "selected_date": target}},
        "vendors": {"value": {"type": "plain_text_input", "value": "acme, Globex"}},
    }


def sealed_origin(runtime: Runtime, channel_id: str = "C0OPS", user_id: str = "U0ADMIN") -> str:
    """Return the private_metadata `/initiative new` in `channel_id` gives the modal."""
    permissions = runtime.permissions
    return json.dumps(permissions.seal({"channel_id": channel_id}, user_id=user_id))


def register_modal_vendors(runtime: Runtime) -> None:
    """Register the vendors `modal_values` names: the modal accepts known vendors only."""
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO")
        upsert_vendor(session, slug="globex", name="Globex")


async def create(dispatch: Any, runtime: Runtime, view_id: str = "VINIT1") -> Initiative:
    register_modal_vendors(runtime)
    response = await dispatch(
        sr.view_submission(
            "initiative_new",
            modal_values(),
            view_id=view_id,
            private_metadata=sealed_origin(runtime),
        )
    )
    assert response.status == 200
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        rows = list_initiatives(session, open_only=False)
    return rows[-1]


async def test_an_unknown_vendor_is_answered_under_its_field(
    dispatch: Any, runtime: Runtime
) -> None:
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO")
    values = modal_values()
    values["vendors"]["value"]["value"] = "acme, wayne"
    response = await dispatch(sr.view_submission("initiative_new", values, view_id="VINITX"))
    errors = json.loads(response.body)["errors"]
    assert "I know no vendor called wayne." in errors["vendors"]
    with unit_of_work(runtime.sessions) as session:
        assert list_initiatives(session, open_only=False) == []


async def test_new_opens_modal_and_submission_files_one_epic(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    response = await dispatch(sr.slash_command("/initiative", "new"))
    assert response.status == 200
    opened = local_slack.calls_to("views.open")
    assert opened and opened[0].args["view"]["callback_id"] == "initiative_new"

    initiative = await create(dispatch, runtime)
    # The same modal submitted again (a double click on Create) files nothing more.
    await create(dispatch, runtime)
    epics = [i for i in fake_jira.issues.values() if i["key"].startswith("INIT-")]
    assert len(epics) == 1
    epic = epics[0]
    assert epic["fields"]["issuetype"]["name"] == "Epic"
    assert "opsbot-init-1" in epic["fields"]["labels"]
    assert initiative.key == epic["key"] and initiative.filing_state == "filed"
    assert initiative.stakeholders == ["policy", "vendor"]
    assert initiative.vendors == ["acme", "globex"]
    posts = local_slack.messages(CHANNEL)
    assert posts and "<!channel>" not in json.dumps(posts)
    replies = [m for m in posts if m.get("thread_ts")]
    assert any(epic["key"] in m["text"] for m in replies)


async def test_jira_outage_queues_the_epic_without_doubling(
    dispatch: Any, runtime: Runtime, fake_jira: FakeJira
) -> None:
    fake_jira.lose_next_create_response(mode="504")
    initiative = await create(dispatch, runtime)
    epics = [i for i in fake_jira.issues.values() if i["key"].startswith("INIT-")]
    assert len(epics) == 1
    assert initiative.filing_state == "filed" and initiative.key == epics[0]["key"]


async def test_child_progress_update_status_and_link(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    initiative = await create(dispatch, runtime)
    key = initiative.key
    for summary in ("Macro for clones", "Vendor training"):
        await dispatch(sr.slash_command("/initiative", f'{key} child "{summary}"'))
        await settle(runtime)
    stories = [i for i in fake_jira.issues.values() if i["fields"].get("parent")]
    assert len(stories) == 2
    assert {s["fields"]["parent"]["key"] for s in stories} == {key}
    assert {s["fields"]["issuetype"]["name"] for s in stories} == {"Story"}
    # One story is done in Jira; progress comes from `parent = KEY` through the tracker.
    fake_jira.state.transition(stories[0], {"transition": {"id": "31"}})
    url = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.slash_command("/initiative", str(key), response_url=url))
    searches = [r for r in fake_jira.requests if "search" in r.path]
    jqls = [str((r.json or {}).get("jql") or r.query.get("jql")) for r in searches]
    assert any(f'parent = "{key}"' in jql for jql in jqls)
    detail = local_slack.ephemeral_messages()[-1]
    texts = "\n".join(b["text"]["text"] for b in detail["blocks"])
    assert "1/2 stories done (50%)" in texts

    await dispatch(sr.slash_command("/initiative", f"{key} update Vendor training booked"))
    await dispatch(sr.slash_command("/initiative", f'{key} status "In Progress"'))
    await settle(runtime)
    epic = fake_jira.issues[str(key)]
    assert epic["fields"]["status"]["name"] == "In Progress"
    comments = [c["body"] for c in epic["fields"]["comment"]["comments"]]
    assert any("Vendor training booked" in c for c in comments)

    with unit_of_work(runtime.sessions) as session:
        session.add(
            Escalation(
                title="Clones",
                area="impersonation",
                severity=2,
                reporter_id="U0ADMIN",
                dedupe_key="x",
                key="ESC-7",
            )
        )
    fake_jira.state.create(
        {"fields": {"project": {"key": "ESC"}, "issuetype": {"name": "Task"}, "summary": "Clones"}}
    )
    esc_key = next(k for k in fake_jira.issues if k.startswith("ESC-"))
    with unit_of_work(runtime.sessions) as session:
        row = session.get(Escalation, 1)
        assert row is not None
        row.key = esc_key
        session.add(row)
    response = await dispatch(sr.slash_command("/initiative", f"{key} link {esc_key}"))
    assert "linked" in json.loads(response.body)["text"]
    await settle(runtime)
    assert fake_jira.issues[str(key)]["fields"]["issuelinks"]
    thread = [m for m in local_slack.messages(CHANNEL) if m.get("thread_ts")]
    assert any("Vendor training booked" in m["text"] for m in thread)
    assert any("In Progress" in m["text"] for m in thread)


async def test_webhooks_keep_status_and_progress_in_step(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    initiative = await create(dispatch, runtime)
    key = str(initiative.key)
    await dispatch(sr.slash_command("/initiative", f'{key} child "Macro"'))
    await settle(runtime)
    story = next(i for i in fake_jira.issues.values() if i["fields"].get("parent"))
    fake_jira.state.transition(story, {"transition": {"id": "31"}})
    payloads = [
        jira_webhook_payload("jira:issue_updated", story, changelog=status_change("To Do", "Done")),
        jira_webhook_payload("comment_created", fake_jira.issues[key], comment="Legal signed off"),
    ]
    # What /jira/webhook hands each sink after verifying and deduplicating the delivery.
    for payload in payloads:
        for sink in runtime.jira_webhook_sinks:
            await sink(read_jira_webhook(json.loads(json.dumps(payload))))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        row = initiative_by_key(session, key)
        assert row is not None
        assert (row.children_done, row.children_total) == (1, 1)
    thread = [m["text"] for m in local_slack.messages(CHANNEL) if m.get("thread_ts")]
    assert any("Done" in t and "1/1" in t for t in thread)
    assert any("Legal signed off" in t for t in thread)


def make(created: datetime, target: date, done: int, total: int, updated: datetime) -> Initiative:
    return Initiative(
        dedupe_key="k",
        title="t",
        created_by="U",
        created_at=created,
        target_date=target,
        children_done=done,
        children_total=total,
        last_update_at=updated,
    )


def test_at_risk_rule_with_a_controlled_clock() -> None:
    created = datetime(2027, 1, 1, tzinfo=UTC)
    now = datetime(2027, 3, 20, 12, tzinfo=UTC)
    recent = now - timedelta(days=2)
    near_behind = make(created, date(2027, 3, 30), 1, 4, recent)
    near_ahead = make(created, date(2027, 3, 30), 4, 4, recent)
    far_behind = make(created, date(2027, 9, 1), 0, 4, recent)
    stale = make(created, date(2027, 9, 1), 3, 4, now - timedelta(days=15))
    verdicts = [
        assess(i, now=now, today=now.date(), near_days=14, stale_days=14)
        for i in (near_behind, near_ahead, far_behind, stale)
    ]
    assert [v.at_risk for v in verdicts] == [True, False, False, True]
    assert "25% done" in verdicts[0].reasons[0]
    assert verdicts[3].reasons == ("no update for 15 days",)


async def test_at_risk_initiative_in_digest_and_list(dispatch: Any, runtime: Runtime) -> None:
    initiative = await create(dispatch, runtime)
    future = initiative.last_update_at + timedelta(days=20)
    runtime.clock = lambda: future
    response = await dispatch(sr.slash_command("/initiative", "list at-risk"))
    assert initiative.key in json.loads(response.body)["text"] + response.body
    source = next(s for s in runtime.digest_sources if s.key == "initiatives")
    assert isinstance(source, InitiativeDigestSource)
    window = DigestWindow(
        vendor_slug="acme",
        start=future.date() - timedelta(days=7),
        end=future.date(),
        now=future,
        timezone="UTC",
    )
    with unit_of_work(runtime.sessions) as session:
        section = source.section(session=session, window=window)
        other = source.section(
            session=session,
            window=DigestWindow(
                vendor_slug="initech",
                start=window.start,
                end=window.end,
                now=future,
                timezone="UTC",
            ),
        )
    assert section is not None and "no update for 20 days" in section.lines[0]
    assert other is None


async def test_bad_input_answers_usage(dispatch: Any) -> None:
    response = await dispatch(sr.slash_command("/initiative", "INIT-99 update hi"))
    assert "INIT-99" in json.loads(response.body)["text"]
    response = await dispatch(sr.slash_command("/initiative", "list sideways"))
    assert "/initiative list" in json.loads(response.body)["text"]


async def test_webhooks_over_http_reach_the_thread(
    http_server: str, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    import asyncio

    import httpx

    from tests.fakes.jira_webhooks import sign_jira_webhook

    async def eventually(check: Any) -> None:
        for _ in range(200):
            if check():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("condition not reached in time")

    def only() -> Initiative:
        with unit_of_work(runtime.sessions) as session:
            return list_initiatives(session, open_only=False)[0]

    register_modal_vendors(runtime)
    async with httpx.AsyncClient(timeout=60) as client:
        body, headers = sr.view_submission(
            "initiative_new",
            modal_values(),
            view_id="VHTTP",
            private_metadata=sealed_origin(runtime),
        )
        answer = await client.post(f"{http_server}/slack/events", content=body, headers=headers)
        assert answer.status_code == 200
        await eventually(lambda: only().key is not None and only().message_ts is not None)
        key = str(only().key)
        payload = jira_webhook_payload(
            "jira:issue_updated",
            {
                **fake_jira.issues[key],
                "fields": {
                    **fake_jira.issues[key]["fields"],
                    "status": fake_jira.state.status("Done"),
                },
            },
            changelog=status_change("To Do", "Done"),
        )
        raw = json.dumps(payload).encode()
        for _ in range(2):  # Jira re-delivers: the identifier makes it count once
            answer = await client.post(
                f"{http_server}/jira/webhook",
                content=raw,
                headers={
                    "X-Hub-Signature": sign_jira_webhook(raw, SECRET),
                    "X-Atlassian-Webhook-Identifier": "wh-http-1",
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 200
    await eventually(lambda: only().status == "Done")
    await eventually(
        lambda: any("Status in Jira" in m["text"] for m in local_slack.messages(CHANNEL))
    )
    replies = [m for m in local_slack.messages(CHANNEL) if "Status in Jira" in m["text"]]
    assert len(replies) == 1 and only().status_category == "done"
