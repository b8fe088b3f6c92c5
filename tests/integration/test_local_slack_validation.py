"""The local Slack refuses invalid Block Kit over the wire as Slack does, and the shell shows it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rich.console import Console
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import OpsbotApp
from bot.offline.shell import ShellSession
from bot.offline.slack import LocalSlack

TOKEN = "xoxb-validation-test"
LONG_SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]


@pytest.fixture
def strict_slack() -> Iterator[LocalSlack]:
    """A local Slack of this module's own: these tests send it invalid payloads on purpose."""
    with LocalSlack(token=TOKEN) as slack:
        yield slack


def test_chat_post_message_answers_invalid_blocks_with_errors(strict_slack: LocalSlack) -> None:
    client = WebClient(token=TOKEN, base_url=strict_slack.api_url)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0OPS", text="fallback", blocks=LONG_SECTION)
    body = raised.value.response.data
    assert isinstance(body, dict)
    assert body["ok"] is False
    assert body["error"] == "invalid_blocks"
    assert "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" in body["errors"]
    assert strict_slack.messages("C0OPS") == []  # nothing was posted
    assert [c.method for c in strict_slack.refused_calls()] == ["chat.postMessage"]


@pytest.mark.parametrize("method", ["chat.update", "chat.postEphemeral"])
def test_other_message_methods_validate_too(strict_slack: LocalSlack, method: str) -> None:
    client = WebClient(token=TOKEN, base_url=strict_slack.api_url)
    args = {"channel": "C0OPS", "user": "U0ADMIN", "ts": "1.0", "blocks": LONG_SECTION}
    with pytest.raises(SlackApiError) as raised:
        client.api_call(method, json={**args, "text": "fallback"})
    assert raised.value.response["error"] == "invalid_blocks"


@pytest.mark.parametrize("method", ["views.open", "views.update", "views.publish"])
def test_views_answer_invalid_arguments(strict_slack: LocalSlack, method: str) -> None:
    client = WebClient(token=TOKEN, base_url=strict_slack.api_url)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": LONG_SECTION}
    args = {"trigger_id": "1.2.3", "view_id": "V1", "user_id": "U0ADMIN", "view": view}
    with pytest.raises(SlackApiError) as raised:
        client.api_call(method, json=args)
    assert raised.value.response["error"] == "invalid_arguments"
    messages = raised.value.response["response_metadata"]["messages"]
    assert any("[json-pointer:/view/blocks/0/text/text]" in m for m in messages)


def test_a_response_url_refuses_invalid_blocks_with_a_400(strict_slack: LocalSlack) -> None:
    url = strict_slack.response_url(channel="C0OPS")
    answer = httpx.post(url, json={"text": "fallback", "blocks": LONG_SECTION})
    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
    assert strict_slack.ephemeral_messages() == []
    good = httpx.post(url, json={"text": "fine"})
    assert good.status_code == 200


async def test_the_shell_prints_what_slack_refused(
    app: OpsbotApp, strict_slack: LocalSlack
) -> None:
    console = Console(record=True, width=200)
    session = ShellSession(app, strict_slack, console, "U0ADMIN", "C0OPS")
    try:
        client = WebClient(token=TOKEN, base_url=strict_slack.api_url)
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0OPS", text="fallback", blocks=LONG_SECTION)
        await session.run_line("/opsbot help")
    finally:
        session.close()
    out = console.export_text()
    assert "Slack refused chat.postMessage: invalid_blocks" in out
    assert "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" in out
