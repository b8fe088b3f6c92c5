"""The scan every test runs over what the bot sent: it catches pings, and only those."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.offline.slack import LocalSlack
from tests.support.payload_scan import assert_sound_calls, unescaped_pings


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "hi <!here|here>",
        "<!everyone> now",
        "<!subteam^S0123|@ops>",
        "<@U0ADMIN|admin>",  # the labelled form Slack delivers typed mentions in
        "<@UHOSTILE1>",  # the hostile tests' marker id
        "`<!channel` unclosed",
    ],
)
def test_a_ping_from_user_text_is_caught(text: str) -> None:
    assert unescaped_pings([text]) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "&lt;!channel&gt;",
        "assigned to <@U0ADMIN>",  # the bot's own mention of a stored id
        "<#C0OPS>",
        "<https://jira.example/browse/ESC-1|ESC-1>",
        "&lt;@UHOSTILE1&gt;",
    ],
)
def test_escaped_text_and_the_bots_own_markup_pass(text: str) -> None:
    assert unescaped_pings([text]) == []


def test_the_local_slack_check_fails_on_a_raw_ping_and_on_a_refused_payload() -> None:
    with LocalSlack(token="xoxb-scan") as slack:
        client = WebClient(token="xoxb-scan", base_url=slack.api_url)
        client.chat_postMessage(channel="C0OPS", text="fine, <@U0ADMIN>")
        assert_sound_calls(slack)
        client.chat_postMessage(channel="C0OPS", text="hello <!channel>")
        with pytest.raises(AssertionError, match="unescaped pings"):
            assert_sound_calls(slack)
        slack.clear()
        with pytest.raises(SlackApiError):
            client.api_call(
                "chat.postMessage", json={"channel": "C0OPS", "blocks": [{"type": "x"}]}
            )
        with pytest.raises(AssertionError, match="refused"):
            assert_sound_calls(slack)
