"""User text sent to Jira stays text: links cannot be retargeted, markup and wildcards are inert."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from integrations.tracker.base import IssueDraft, IssueFilter
from integrations.tracker.jira_tracker import JiraConfig, JiraTracker
from tests.conftest import Dispatch
from tests.fakes.jira_server import FakeJira
from tests.integration.test_escalations import (
    esc_issues,
    escalations,
    jira_workspace,
    modal_values,
)
from tests.support.answers import settle
from tests.support.slack_requests import slash_command, view_submission

PIPE = "https://jira.corp/browse/ESC-1|https://evil.example/phish"
BRACKET_IN_PATH = "https://a.example/x]{color:red}x{color}"
# A wiki link as opsbot writes it: `[text|url]`, text escaped, url with no markup in it.
_LINK_LINE = re.compile(r"^\* \[(?P<text>(?:[^\\\]\[|{}]|\\.)*)\|(?P<url>[^\s\]\[|{}]+)\]$")


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return jira_workspace(fake_jira, local_slack)


def live_markup(text: str, specials: str = "[]{}|~!*_^+?#") -> list[str]:
    """Return the wiki special characters in `text` that no backslash escapes."""
    found, chars = [], iter(text.replace("&#92;", "\\\\"))  # a typed backslash, as an entity
    for char in chars:
        if char == "\\":
            next(chars, None)
        elif char in specials:
            found.append(char)
    return found


async def submit_form(dispatch: Dispatch, local_slack: LocalSlack, links: str) -> dict[str, Any]:
    await dispatch(slash_command("/escalate", "", user_id="U0LEAD"))
    view = local_slack.calls_to("views.open")[-1].args["view"]
    values = modal_values(links={"type": "plain_text_input", "value": links})
    response = await dispatch(
        view_submission(
            "escalation_file",
            values,
            user_id="U0LEAD",
            view_id="V0LINKS",
            private_metadata=view["private_metadata"],
        )
    )
    return json.loads(response.body) if response.body else {}


async def test_links_become_escaped_wiki_links_to_the_host_typed(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, fake_jira: FakeJira
) -> None:
    answer = await submit_form(dispatch, local_slack, f"{PIPE}\n{BRACKET_IN_PATH}")
    assert answer.get("response_action") == "update", answer
    await settle(runtime)
    (issue,) = esc_issues(fake_jira)
    description = str(issue["fields"]["description"])
    section = description.split("h3. Links", 1)[1].strip().splitlines()
    assert len(section) == 2, description
    hosts = []
    for line in section:
        match = _LINK_LINE.match(line)
        assert match is not None, line
        hosts.append(urlsplit(match["url"]).hostname)
        # The visible text is the same URL: it cannot read as Jira and point elsewhere.
        assert match["text"].replace("\\", "") == match["url"]
    assert hosts == ["jira.corp", "a.example"]
    assert "{color" not in description
    assert escalations(runtime)[0].key == issue["key"]


@pytest.mark.parametrize(
    "link",
    [
        "https://a.example]{color:red}x{color}",
        "https://jira.corp@evil.example/phish",
        "javascript:alert(1)",
        "https:///nohost",
        "https://a.example:99999/",
        "ftp://files.example/x",
    ],
)
async def test_links_that_are_not_plain_http_urls_are_refused_in_the_form(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, link: str
) -> None:
    answer = await submit_form(dispatch, local_slack, f"https://ok.example/ {link}")
    assert answer.get("response_action") == "errors", answer
    assert set(answer["errors"]) == {"links"}
    assert escalations(runtime) == []


HOSTILE_COMMENT = (
    "[click here|https://evil.example/phish] {color:red}alarm{color} [~accountid:acc-dana] "
    "!https://evil.example/pixel.png! \\[still text] *loud* {noformat}"
)


async def test_comments_reach_jira_with_every_wiki_control_escaped(
    dispatch: Dispatch, runtime: Runtime, fake_jira: FakeJira
) -> None:
    await dispatch(slash_command("/escalate", "sev2 impersonation Clones", user_id="U0LEAD"))
    await settle(runtime)
    key = str(escalations(runtime)[0].key)
    await dispatch(
        slash_command("/escalation", f"{key} comment {HOSTILE_COMMENT}", user_id="U0LEAD")
    )
    await dispatch(
        slash_command("/escalation", f"{key} resolve {HOSTILE_COMMENT}", user_id="U0LEAD")
    )
    await settle(runtime)
    bodies = [str(c["body"]) for c in fake_jira.issues[key]["fields"]["comment"]["comments"]]
    assert len(bodies) == 2, bodies
    for body in bodies:
        typed, _, mark = body.rpartition("\n\n")
        assert mark.startswith("[opsbot]"), body
        assert "click here" in typed and "alarm" in typed
        assert not live_markup(typed), (live_markup(typed), typed)


def tracker(fake: FakeJira) -> JiraTracker:
    return JiraTracker(JiraConfig(url=fake.url, email="bot@example.com", api_token="t"))


async def test_search_text_is_literal_not_lucene(fake_jira: FakeJira) -> None:
    jira = tracker(fake_jira)
    for number, summary in enumerate(("Refund fraud", "Login outage", "Price * 2 (promo)")):
        await jira.create_issue(
            IssueDraft(
                project="ESC", summary=summary, description="", correlation_label=f"opsbot-{number}"
            )
        )

    async def found(text: str) -> list[str]:
        return [i.summary for i in await jira.search(IssueFilter(project="ESC", text=text))]

    assert await found("*") == ["Price * 2 (promo)"]
    assert await found("?") == []
    assert await found("Ref*") == []
    assert await found("L?gin") == []
    assert await found("Refund") == ["Refund fraud"]
    assert await found("Price * 2 (promo)") == ["Price * 2 (promo)"]


async def test_a_promoted_suggestion_story_carries_the_typed_text_escaped(
    dispatch: Dispatch, runtime: Runtime, fake_jira: FakeJira
) -> None:
    typed = "Let vendors [see the queue|https://evil.example/phish] {color:red}now{color}"
    await dispatch(slash_command("/suggest", typed, user_id="U0LEAD"))
    await dispatch(slash_command("/suggest", "promote 1", user_id="U0LEAD"))
    await settle(runtime)
    (story,) = [i for i in fake_jira.issues.values() if "opsbot-sugg-1" in i["fields"]["labels"]]
    description = str(story["fields"]["description"])
    assert "see the queue" in description
    for line in description.splitlines():
        # The story's own markup (a heading, list bullets) is ours; the rest is typed text.
        body = line.removeprefix("h3. ").removeprefix("* ")
        assert not live_markup(body, "[]{}|"), line
