"""The tracker adapter reads Jira's webhook body into a TrackerChange; families read only that."""

from __future__ import annotations

import pytest

from integrations.tracker.jira_webhook import MalformedWebhook, read_jira_webhook
from tests.fakes.jira_webhooks import jira_webhook_payload, status_change

ISSUE = {
    "key": "OPS-7",
    "self": "https://example.atlassian.net/rest/api/2/issue/10007",
    "fields": {
        "summary": "Refunds stuck",
        "labels": ["opsbot-3"],
        "status": {"name": "In Review", "statusCategory": {"key": "indeterminate"}},
        "assignee": {"accountId": "acc-1", "displayName": "Ana"},
        "parent": {"key": "OPS-1"},
        "project": {"key": "OPS"},
    },
}


def test_an_update_reads_as_the_issue_and_its_changes() -> None:
    change = read_jira_webhook(
        jira_webhook_payload(
            "jira:issue_updated", ISSUE, changelog=status_change("To Do", "In Review")
        )
    )
    assert change.issue is not None
    assert (change.issue.key, change.issue.summary, change.issue.parent_key) == (
        "OPS-7",
        "Refunds stuck",
        "OPS-1",
    )
    assert (change.issue.status, change.issue.status_category) == ("In Review", "indeterminate")
    assert change.issue.url == "https://example.atlassian.net/browse/OPS-7"
    assert change.issue.assignee is not None and change.issue.assignee.account_id == "acc-1"
    assert (change.issue.labels, change.project_key) == (("opsbot-3",), "OPS")
    assert [c.to_string for c in change.changed("status")] == ["In Review"]
    assert change.comment is None


def test_a_status_category_is_the_one_sent_else_read_from_the_name() -> None:
    change = read_jira_webhook({"issue": ISSUE})
    assert change.category_of("In Review") == "indeterminate"  # as sent, for this status
    assert change.category_of("Closed") == "done"
    assert change.category_of("Waiting for Legal") == "indeterminate"  # unknown: not done
    unknown = {**ISSUE, "fields": {"status": {"name": "Done", "statusCategory": {"key": "odd"}}}}
    read = read_jira_webhook({"issue": unknown})
    assert read.issue is not None and read.issue.status_category == "done"


def test_comments_are_read_on_comment_events_and_ours_are_marked() -> None:
    theirs = read_jira_webhook(jira_webhook_payload("comment_created", ISSUE, comment="Seen"))
    assert theirs.comment is not None and (theirs.comment.body, theirs.comment.ours) == (
        "Seen",
        False,
    )
    ours = read_jira_webhook(jira_webhook_payload("comment_created", ISSUE, comment="[opsbot] x"))
    assert ours.comment is not None and ours.comment.ours


def test_a_body_without_an_issue_names_none_and_a_misshapen_one_is_refused() -> None:
    assert read_jira_webhook({"webhookEvent": "jira:issue_updated"}).issue is None
    with pytest.raises(MalformedWebhook) as refused:
        read_jira_webhook({"timestamp": "soon"})
    assert refused.value.reason.startswith("timestamp")
