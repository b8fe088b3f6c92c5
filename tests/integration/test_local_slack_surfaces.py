"""The local Slack's methods for App Home, unfurls, incident channels and DMs, over the wire."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.offline.slack import LocalSlack

TOKEN = "xoxb-surfaces-test"
LONG_SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
CARD = [{"type": "section", "text": {"type": "mrkdwn", "text": "*ESC-1* printer on fire"}}]


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    """A local Slack of this module's own: some payloads here are invalid on purpose."""
    with LocalSlack(token=TOKEN) as local:
        local.add_user("U0ANA", "ana", tz="Asia/Manila")
        yield local


@pytest.fixture
def client(slack: LocalSlack) -> WebClient:
    """A Web API client on the local Slack."""
    return WebClient(token=TOKEN, base_url=slack.api_url)


def test_views_publish_stores_the_home_and_refuses_too_many_blocks(
    slack: LocalSlack, client: WebClient
) -> None:
    blocks = [{"type": "divider"}] * 100
    client.views_publish(user_id="U0ANA", view={"type": "home", "blocks": blocks})
    assert slack.home_view("U0ANA") == {"type": "home", "blocks": blocks}
    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U0ANA", view={"type": "home", "blocks": blocks * 2})
    assert raised.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as unknown:
        client.views_publish(user_id="U0NOBODY", view={"type": "home", "blocks": blocks[:1]})
    assert unknown.value.response["error"] == "user_not_found"
    assert slack.home_view("U0ANA") == {"type": "home", "blocks": blocks}  # refusals kept none


def test_chat_unfurl_attaches_blocks_to_the_shared_message(
    slack: LocalSlack, client: WebClient
) -> None:
    shared = slack.user_message("C0OPS", "U0ANA", "see https://jira.example.com/browse/ESC-1")
    url = "https://jira.example.com/browse/ESC-1"
    client.chat_unfurl(channel="C0OPS", ts=shared["ts"], unfurls={url: {"blocks": CARD}})
    stored = next(m for m in slack.messages("C0OPS") if m["ts"] == shared["ts"])
    assert stored["unfurls"] == {url: {"blocks": CARD}}
    client.api_call(
        "chat.unfurl",
        json={"unfurl_id": shared["unfurl_id"], "source": "composer", "unfurls": {url: {}}},
    )
    with pytest.raises(SlackApiError) as invalid:
        client.chat_unfurl(
            channel="C0OPS", ts=shared["ts"], unfurls={url: {"blocks": LONG_SECTION}}
        )
    assert invalid.value.response["error"] == "invalid_unfurls_format"
    assert [c.method for c in slack.refused_calls()] == ["chat.unfurl"]
    with pytest.raises(SlackApiError) as missing:
        client.chat_unfurl(channel="C0OPS", ts="1.000001", unfurls={url: {"blocks": CARD}})
    assert missing.value.response["error"] == "message_not_found"


def test_incident_channel_lifecycle(slack: LocalSlack, client: WebClient) -> None:
    created = client.conversations_create(name="esc-esc-12-printer-fire")["channel"]
    channel_id = created["id"]
    client.conversations_setTopic(channel=channel_id, topic="SEV1 ESC-12: printer on fire")
    client.conversations_invite(channel=channel_id, users="U0ANA,U0ADMIN")
    state = slack.channel(channel_id)
    assert state["topic"]["value"] == "SEV1 ESC-12: printer on fire"
    assert state["members"] == ["U0BOT", "U0ANA", "U0ADMIN"]
    client.chat_postMessage(channel=channel_id, text="card")
    client.conversations_archive(channel=channel_id)
    assert slack.channel(channel_id)["is_archived"] is True
    errors: dict[str, Callable[[], SlackResponse]] = {
        "name_taken": lambda: client.conversations_create(name="esc-esc-12-printer-fire"),
        "invalid_name_specials": lambda: client.conversations_create(name="Has Spaces"),
        "invalid_name_maxlength": lambda: client.conversations_create(name="x" * 81),
        "too_long": lambda: client.conversations_setTopic(channel="C0OPS", topic="t" * 251),
        "already_in_channel": lambda: client.conversations_invite(channel="C0OPS", users="U0BOT"),
        "user_not_found": lambda: client.conversations_invite(channel="C0OPS", users="U0NOBODY"),
        "already_archived": lambda: client.conversations_archive(channel=channel_id),
        "is_archived": lambda: client.conversations_setTopic(channel=channel_id, topic="x"),
    }
    for error, call in errors.items():
        with pytest.raises(SlackApiError) as raised:
            call()
        expected = "cant_invite_self" if error == "already_in_channel" else error
        assert raised.value.response["error"] == expected, error


def test_users_info_carries_the_zone_and_dms_open(slack: LocalSlack, client: WebClient) -> None:
    user = client.users_info(user="U0ANA")["user"]
    assert user["tz"] == "Asia/Manila"
    assert user["tz_offset"] == 8 * 3600
    slack.add_user("U0PARTNER", "pat", team_id="T0ACME")
    assert client.users_info(user="U0PARTNER")["user"]["team_id"] == "T0ACME"
    dm = client.conversations_open(users="U0ANA")["channel"]["id"]
    client.chat_postMessage(channel=dm, text="nudge")
    assert [m["text"] for m in slack.messages(dm)] == ["nudge"]
