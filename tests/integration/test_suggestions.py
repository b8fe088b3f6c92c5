"""Suggestions end to end: story card, votes, scores, promotion to Jira and the proposal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.suggestions.story import derive_story
from storage.engine import unit_of_work
from storage.suggestions import Suggestion, count_votes, suggestion_by_id
from tests.fakes.jira_server import FakeJira
from tests.support import slack_requests as sr
from tests.support.answers import body, settle


@pytest.fixture
def settings_overrides(fake_jira: FakeJira) -> dict[str, Any]:
    return {
        "jira_url": fake_jira.url,
        "jira_email": "bot@example.com",
        "jira_api_token": "api-token-0123456789",
        "opsbot_initiative_channel": "C0OPS",
        "opsbot_outbox_base_delay": 0.01,
        "opsbot_outbox_max_delay": 0.05,
    }


def stored(runtime: Runtime, ident: int) -> Suggestion:
    with unit_of_work(runtime.sessions) as session:
        row = suggestion_by_id(session, ident)
    assert row is not None
    return row


async def suggest(dispatch: Any, text: str, user: str = "U0ADMIN") -> dict[str, Any]:
    return body(await dispatch(sr.slash_command("/suggest", text, user_id=user)))


def test_story_rules_are_deterministic() -> None:
    story = derive_story("We should add a macro for vendor escalations so that agents stop pasting")
    assert story.sentence == (
        "As an escalation lead, I want to add a macro for vendor escalations, "
        "so that agents stop pasting."
    )
    plain = derive_story("Better onboarding docs")
    assert plain.role == "quality lead" and plain.capability == "better onboarding docs"
    assert plain.benefit == "the team spends less time on avoidable work"
    assert derive_story("Export KPIs weekly to cut reporting time").benefit == (
        "we can cut reporting time"
    )
    assert derive_story("Fix it because it hurts").role == "team member"


async def test_suggest_answers_with_a_story_card_and_escapes(
    dispatch: Any, runtime: Runtime
) -> None:
    answer = await suggest(
        dispatch, "Add a macro for impersonation tickets so that <!channel> rests"
    )
    assert answer["response_type"] == "in_channel"
    text = json.dumps(answer["blocks"])
    assert "As a queue agent, I want to add a macro for impersonation tickets" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    actions = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"]
    assert {e["action_id"] for e in actions} >= {"suggest_upvote", "suggest_edit"}
    row = stored(runtime, 1)
    assert row.author_id == "U0ADMIN" and row.channel_id == "C0OPS" and len(row.criteria) == 3


async def test_upvote_double_click_counts_once(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await suggest(dispatch, "Auto-tag vendor tickets")
    url = local_slack.response_url(channel="C0OPS")
    for _ in range(2):
        response = await dispatch(
            sr.block_action("suggest_upvote", "1", user_id="U0BOB", response_url=url)
        )
        assert response.status == 200
    await dispatch(sr.block_action("suggest_upvote", "1", user_id="U0CAROL", response_url=url))
    with unit_of_work(runtime.sessions) as session:
        assert count_votes(session, 1) == 2
    assert stored(runtime, 1).votes == 2
    notes = [m.get("text", "") for m in local_slack.ephemeral_messages()]
    assert any("already voted" in n for n in notes)


async def test_edit_modal_scores_and_list_ranks_by_rice_then_votes(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    for text in ("Shared legal hold tracker", "Weekly vendor scorecard", "Dashboards for AHT"):
        await suggest(dispatch, text)
    response = await dispatch(sr.block_action("suggest_edit", "2"))
    assert response.status == 200
    assert local_slack.calls_to("views.open")[-1].args["view"]["callback_id"] == "suggest_edit"

    def values(**numbers: str) -> dict[str, Any]:
        out = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in numbers.items()}
        out.update(
            role={"value": {"type": "plain_text_input", "value": "vendor manager"}},
            capability={"value": {"type": "plain_text_input", "value": "a weekly scorecard"}},
            benefit={"value": {"type": "plain_text_input", "value": "vendors see their trend"}},
            criteria={"value": {"type": "plain_text_input", "value": "Sent Mondays\nPer vendor"}},
        )
        return out

    meta = local_slack.calls_to("views.open")[-1].args["view"]["private_metadata"]
    bad = await dispatch(
        sr.view_submission(
            "suggest_edit", values(effort="0", impact="7"), private_metadata=meta, view_id="VE1"
        )
    )
    assert set(body(bad)["errors"]) == {"effort", "impact"}
    ok = await dispatch(
        sr.view_submission(
            "suggest_edit",
            values(reach="200", impact="2", confidence="0.8", effort="4"),
            private_metadata=meta,
            view_id="VE2",
        )
    )
    assert ok.status == 200
    row = stored(runtime, 2)
    assert row.rice == pytest.approx(80.0) and row.criteria == ["Sent Mondays", "Per vendor"]
    # Suggestion 3 gets a smaller score by buttons; suggestion 1 stays unscored but has votes.
    with unit_of_work(runtime.sessions) as session:
        three = suggestion_by_id(session, 3)
        assert three is not None
        three.reach, three.effort = 100, 2
    card = local_slack.response_url(channel="C0OPS")
    await dispatch(sr.block_action("suggest_impact", "3:1", response_url=card))
    await dispatch(sr.block_action("suggest_confidence", "3:0.5", response_url=card))
    assert stored(runtime, 3).rice == pytest.approx(25.0)
    # The card was re-rendered in place through its response_url, not lost.
    assert len([c for c in local_slack.calls_to("response_url") if c.args["url"] == card]) == 2
    await dispatch(sr.block_action("suggest_upvote", "1", user_id="U0BOB", response_url=card))
    listing = body(await dispatch(sr.slash_command("/suggest", "list top")))
    text = json.dumps(listing["blocks"])
    assert text.index("#2") < text.index("#3") < text.index("#1")


async def test_promote_files_a_story_under_the_initiative(
    dispatch: Any, runtime: Runtime, fake_jira: FakeJira
) -> None:
    from tests.integration.test_initiatives import create

    initiative = await create(dispatch, runtime)
    await suggest(dispatch, "Macro for impersonation appeals, see ESC-4")
    answer = body(await dispatch(sr.slash_command("/suggest", f"promote 1 to:{initiative.key}")))
    assert "Filing suggestion #1" in answer["text"]
    await settle(runtime)
    await dispatch(sr.slash_command("/suggest", f"promote 1 to:{initiative.key}"))
    await settle(runtime)
    stories = [i for i in fake_jira.issues.values() if "opsbot-sugg-1" in i["fields"]["labels"]]
    assert len(stories) == 1
    assert stories[0]["fields"]["parent"]["key"] == initiative.key
    assert stories[0]["fields"]["issuetype"]["name"] == "Story"
    row = stored(runtime, 1)
    assert row.state == "promoted" and row.issue_key == stories[0]["key"]


async def test_promote_to_unknown_initiative_is_refused(dispatch: Any) -> None:
    await suggest(dispatch, "Something worth doing")
    answer = body(await dispatch(sr.slash_command("/suggest", "promote 1 to:INIT-404")))
    assert "INIT-404" in answer["text"]
    answer = body(await dispatch(sr.slash_command("/suggest", "promote 99")))
    assert "99" in answer["text"]


async def test_proposal_stays_within_block_kit_and_uploads_markdown(
    dispatch: Any, runtime: Runtime, local_slack: LocalSlack
) -> None:
    for n in range(25):
        await suggest(dispatch, f"Improvement number {n} " + "with a long explanation " * 60)
    url = local_slack.response_url(channel="C0OPS")
    started = body(await dispatch(sr.slash_command("/suggest", "proposal 20", response_url=url)))
    assert "Building the proposal" in started["text"]
    # Posted in channel by the queued job (the uploaded file is shared there too).
    (answer,) = [m for m in local_slack.messages("C0OPS") if m.get("blocks")]
    assert len(answer["blocks"]) <= 50
    for block in answer["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    uploads = local_slack.calls_to("files.upload")
    assert len(uploads) == 1
    document = uploads[0].args["content"].decode()
    assert uploads[0].args["filename"].endswith(".md")
    assert document.startswith("# Improvement proposal") and document.count("## #") == 20
    assert "**Story:** As a" in document
    bad = body(await dispatch(sr.slash_command("/suggest", "proposal lots")))
    assert "/suggest proposal" in bad["text"]
