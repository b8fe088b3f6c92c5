"""Link previews and mentions: Jira and opsbot links unfurl as cards, within the channel's scope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.links.parsing import key_in_url, keys_in_text
from storage.engine import unit_of_work
from storage.escalations import list_escalations
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.fakes.jira_server import FakeJira
from tests.integration.test_escalations import CHANNEL, jira_workspace
from tests.support import slack_requests as sr
from tests.support.answers import settle
from tests.support.slack_events import app_mention, link_shared

PUBLIC = "https://opsbot.example.com"


@pytest.fixture
def settings_overrides(fake_jira: FakeJira, local_slack: LocalSlack) -> dict[str, Any]:
    return {**jira_workspace(fake_jira, local_slack), "opsbot_public_url": PUBLIC}


@pytest.fixture
async def filed(dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack) -> dict[str, str]:
    """An escalation about acme, one about globex; acme's shared channel C0ACME.

    Returns their browse URLs by vendor, and Jira's base URL under "jira".
    """
    local_slack.add_channel("C0ACME", "acme-shared")
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex")
    await dispatch(
        sr.slash_command("/escalate", 'sev2 other "Acme queue <!here> stuck" vendor:acme')
    )
    await dispatch(sr.slash_command("/escalate", 'sev1 other "Globex outage" vendor:globex'))
    await settle(runtime)
    with unit_of_work(runtime.sessions) as session:
        urls = {str(e.vendor): str(e.url) for e in list_escalations(session)}
    return {**urls, "jira": urls["acme"].rsplit("/browse/", 1)[0]}


def unfurled(slack: LocalSlack, channel: str, ts: str) -> dict[str, Any]:
    (message,) = [m for m in slack.messages(channel) if m["ts"] == ts]
    return dict(message.get("unfurls") or {})


async def test_jira_and_opsbot_links_unfurl_with_the_card(
    filed: dict[str, str], dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    jira_link = filed["acme"]
    globex_key = filed["globex"].rsplit("/", 1)[1]
    own_link = f"{PUBLIC}/escalations/{globex_key.lower()}"
    shared = local_slack.user_message(CHANNEL, "U0LEAD", f"look: {jira_link} and {own_link}")
    await dispatch(link_shared(shared, CHANNEL, [jira_link, own_link, "https://example.org/x"]))
    cards = unfurled(local_slack, CHANNEL, shared["ts"])
    assert set(cards) == {jira_link, own_link}
    first = json.dumps(cards[jira_link], ensure_ascii=False)
    for fact in (
        jira_link.rsplit("/", 1)[1],
        "Acme queue &lt;!here&gt; stuck",
        "Status:",
        "SEV2",
        "unassigned",
        "Age:",
    ):
        assert fact in first
    assert "SEV1" in json.dumps(cards[own_link])


async def test_outside_the_channel_scope_nothing_unfurls(
    filed: dict[str, str], dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    globex, acme = filed["globex"], filed["acme"]
    shared = local_slack.user_message("C0ACME", "U0LEAD", f"{globex}")
    await dispatch(link_shared(shared, "C0ACME", [globex]))
    assert local_slack.calls_to("chat.unfurl") == []
    both = local_slack.user_message("C0ACME", "U0LEAD", f"{globex} {acme}")
    await dispatch(link_shared(both, "C0ACME", [globex, acme]))
    assert set(unfurled(local_slack, "C0ACME", both["ts"])) == {acme}


async def test_a_mention_with_a_key_answers_in_thread(
    filed: dict[str, str], dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    acme, globex = (filed[v].rsplit("/", 1)[1] for v in ("acme", "globex"))
    question = f"<@U0BOT> what about {acme} and {globex.lower()}?"
    asked = local_slack.user_message("C0ACME", "U0LEAD", question)
    await dispatch(app_mention(asked, "C0ACME"))
    (reply,) = [m for m in local_slack.messages("C0ACME") if m.get("thread_ts") == asked["ts"]]
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert acme in text and "Globex" not in text
    assert f"I know no {globex} in this channel." in text  # out of scope reads as unknown
    bare = local_slack.user_message("C0OPS", "U0LEAD", "<@U0BOT> hello")
    await dispatch(app_mention(bare, "C0OPS"))
    (usage,) = [m for m in local_slack.messages("C0OPS") if m.get("thread_ts") == bare["ts"]]
    assert "@opsbot ESC-12" in usage["text"]


def test_which_links_and_words_name_keys() -> None:
    jira = "https://acme.atlassian.net"
    assert key_in_url(f"{jira}/browse/ESC-12", jira_url=jira, public_url=None) == "ESC-12"
    assert key_in_url(f"{jira}/browse/ESC-12/x", jira_url=jira, public_url=None) is None
    assert key_in_url("https://evil.net/browse/ESC-1", jira_url=jira, public_url=None) is None
    assert key_in_url(f"{PUBLIC}/initiatives/INIT-3", jira_url=None, public_url=PUBLIC) == "INIT-3"
    assert key_in_url("javascript:alert(1)", jira_url=jira, public_url=PUBLIC) is None
    assert keys_in_text("<@U0BOT> ESC-1, esc-1 and <https://x.org/a|INIT-2> INIT-3") == [
        "ESC-1",
        "INIT-3",
    ]
