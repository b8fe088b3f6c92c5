"""The Jira tracker against FakeJira: quoting defeats JQL injection, outages are classified."""

from __future__ import annotations

import pytest

from integrations.errors import NotFound
from integrations.tracker.base import (
    IssueDraft,
    IssueFilter,
    TrackerOutage,
    TrackerRejected,
    build_jql,
    jql_quote,
)
from integrations.tracker.jira_tracker import JiraConfig, JiraTracker
from tests.fakes.jira_server import FakeJira

INJECTIONS = ['"', "\\", ") OR project = X", 'x" OR project = "PROJ', 'a\\" OR 1=1 --', "new\nline"]


def tracker(fake: FakeJira) -> JiraTracker:
    return JiraTracker(JiraConfig(url=fake.url, email="bot@example.com", api_token="t"))


def test_jql_quote_escapes_quotes_and_backslashes() -> None:
    assert jql_quote('a"b') == '"a\\"b"'
    assert jql_quote("a\\b") == '"a\\\\b"'
    assert jql_quote(") OR project = X") == '") OR project = X"'
    jql = build_jql(IssueFilter(project="ESC", labels=('x" OR "1"="1',), order_by="; DROP"))
    assert jql == 'project = "ESC" AND labels = "x\\" OR \\"1\\"=\\"1" ORDER BY created DESC'


async def test_injection_attempts_match_nothing_and_never_break_the_query(
    fake_jira: FakeJira,
) -> None:
    jira = tracker(fake_jira)
    await jira.create_issue(
        IssueDraft(project="PROJ", summary="secret", description="", correlation_label="opsbot-9")
    )
    await jira.create_issue(
        IssueDraft(project="ESC", summary="mine", description="", correlation_label="opsbot-1")
    )
    for attack in INJECTIONS:
        found = await jira.search(IssueFilter(project="ESC", text=attack, labels=(attack,)))
        assert found == []
        assert await jira.find_by_label(attack) is None
    assert [i.key for i in await jira.search(IssueFilter(project="ESC", open_only=True))] == [
        "ESC-1"
    ]
    searches = fake_jira.requests_to("GET", "*/search/jql") + fake_jira.requests_to(
        "POST", "*/search/jql"
    )
    assert len(searches) >= 2 * len(INJECTIONS)


async def test_create_is_once_per_label_and_errors_are_classified(fake_jira: FakeJira) -> None:
    jira = tracker(fake_jira)
    draft = IssueDraft(
        project="ESC",
        summary="s",
        description="d",
        correlation_label="opsbot-5",
        priority="High",
        labels=("area-x",),
        parent_key=None,
    )
    fake_jira.lose_next_create_response(mode="drop")
    with pytest.raises(TrackerOutage):
        await jira.create_issue(draft)
    again = await jira.create_issue(draft)
    assert again.key == "ESC-1"
    assert len(fake_jira.issues) == 1
    fake_jira.fail_next("GET /rest/api/2/issue/*", status=429, retry_after=7)
    with pytest.raises(TrackerOutage) as outage:
        await jira.get_issue("ESC-1")
    assert outage.value.retry_after == 7
    with pytest.raises(NotFound):
        await jira.get_issue("ESC-404")
    with pytest.raises(TrackerRejected) as bad:
        await jira.transition("ESC-1", "Teleport")
    assert "In Progress" in bad.value.user_message
    moved = await jira.transition("ESC-1", "in progress")
    assert moved.to_category == "indeterminate"
    fake_jira.state.add_user("acc-7", "Dana", "dana@example.com")
    user = await jira.find_user_by_email("DANA@example.com")
    assert user is not None
    await jira.assign("ESC-1", user.account_id)
    assert (await jira.get_issue("ESC-1")).assignee == user
    epic = await jira.create_issue(
        IssueDraft(
            project="INIT",
            summary="Epic",
            description="",
            correlation_label="opsbot-init-1",
            issue_type="Epic",
        )
    )
    story = await jira.create_issue(
        IssueDraft(
            project="INIT",
            summary="Story",
            description="",
            correlation_label="opsbot-init-2",
            issue_type="Story",
            parent_key=epic.key,
        )
    )
    await jira.link_issues("Relates", story.key, "ESC-1")
    assert [i.key for i in await jira.search(IssueFilter(parent_key=epic.key))] == [story.key]
    comment_id = await jira.add_comment("ESC-1", "hello")
    assert comment_id
    assert fake_jira.issues["ESC-1"]["fields"]["comment"]["comments"][0]["body"].endswith(
        "[opsbot]"
    )
    fake_jira.down(refuse=True)
    with pytest.raises(TrackerOutage):
        await jira.get_issue("ESC-1")
    fake_jira.up()
