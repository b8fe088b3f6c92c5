"""The fakes speak the wire format: real slack_sdk, slack_bolt and jira clients against them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from jira import JIRA, JIRAError
from requests.exceptions import ConnectionError as RequestsConnectionError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.offline.slack import LocalSlack
from tests.fakes.jira_server import FakeJira
from tests.fakes.jira_webhooks import jira_webhook_payload, sign_jira_webhook, status_change
from tests.support import slack_requests as sr


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


@pytest.fixture
def jira_fake() -> Iterator[FakeJira]:
    with FakeJira() as server:
        yield server


def web_client(slack: LocalSlack) -> AsyncWebClient:
    handlers = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
        AsyncConnectionErrorRetryHandler(),
    ]
    return AsyncWebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=handlers)


def jira_client(fake: FakeJira, max_retries: int = 3) -> JIRA:
    return JIRA(
        server=fake.url, basic_auth=("bot@example.com", "api-token"), max_retries=max_retries
    )


# Slack -----------------------------------------------------------------------------------


async def test_post_update_delete_thread_and_permalink(slack: LocalSlack) -> None:
    client = web_client(slack)
    first = await client.chat_postMessage(channel="C0OPS", text="hello", blocks=[])
    second = await client.chat_postMessage(channel="#ops", text="reply", thread_ts=first["ts"])
    assert first["channel"] == "C0OPS"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "hello"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*new*"}}]
    await client.chat_update(channel="C0OPS", ts=first["ts"], text="edited", blocks=blocks)
    assert slack.calls_to("chat.update")[0].args["blocks"] == blocks
    link = await client.chat_getPermalink(channel="C0OPS", message_ts=first["ts"])
    assert link["permalink"].endswith(first["ts"].replace(".", ""))
    messages = slack.messages("C0OPS")
    assert [m["text"] for m in messages] == ["edited", "reply"]
    assert messages[1]["thread_ts"] == first["ts"]
    await client.chat_delete(channel="C0OPS", ts=second["ts"])
    assert len(slack.messages("C0OPS")) == 1
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C404", text="x")
    assert err.value.response["error"] == "channel_not_found"


async def test_ephemeral_views_and_expired_trigger(slack: LocalSlack) -> None:
    client = web_client(slack)
    eph = await client.chat_postEphemeral(channel="C0OPS", user="U0ADMIN", text="psst")
    assert "message_ts" in eph
    divider = [{"type": "divider"}]  # slack_sdk's View needs 1 to 100 blocks
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": divider}
    opened = await client.views_open(trigger_id="t-1", view=view)
    updated = await client.views_update(view_id=opened["view"]["id"], view=view)
    assert updated["view"]["id"] == opened["view"]["id"]
    slack.expire_trigger("t-2")
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="t-2", view=view)
    assert err.value.response["error"] == "expired_trigger_id"
    home = await client.views_publish(user_id="U0ADMIN", view={"blocks": divider})
    assert home["view"]["type"] == "home"


async def test_files_upload_v2_sends_real_bytes(slack: LocalSlack) -> None:
    client = web_client(slack)
    posted = await client.chat_postMessage(channel="C0OPS", text="chart below")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    result = await client.files_upload_v2(
        channel="C0OPS", content=png, filename="kpi.png", title="KPI", thread_ts=posted["ts"]
    )
    assert result["file"]["name"] == "kpi.png"
    (upload,) = slack.calls_to("files.upload")
    assert upload.args["content"] == png
    assert upload.args["length"] == len(png)
    assert (upload.args["channel"], upload.args["thread_ts"]) == ("C0OPS", posted["ts"])
    assert slack.messages("C0OPS")[-1]["thread_ts"] == posted["ts"]


async def test_429_with_retry_after_is_retried_then_succeeds(slack: LocalSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    result = await web_client(slack).chat_postMessage(channel="C0OPS", text="x")
    assert result["ok"]
    calls = slack.calls_to("chat.postMessage")
    assert [c.faulted for c in calls] == [True, False]


async def test_rate_limit_answers_429_with_retry_after(slack: LocalSlack) -> None:
    slack.rate_limit("chat.postMessage", per_channel_per_second=1.0)
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
    await client.chat_postMessage(channel="C0OPS", text="1")
    await client.chat_postMessage(channel="C0GENERAL", text="other channel is fine")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0OPS", text="2")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"


async def test_5xx_is_surfaced_and_api_errors_are_200(slack: LocalSlack) -> None:
    slack.fail_next("chat.update", status=503, times=2)
    with pytest.raises(SlackApiError) as err:
        await web_client(slack).chat_update(channel="C0OPS", ts="1.0", text="x")
    assert err.value.response.status_code == 503
    slack.fail_next("*", error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await web_client(slack).chat_postMessage(channel="C0OPS", text="x")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "channel_not_found"


async def test_auth_and_unknown_method(slack: LocalSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        await AsyncWebClient(base_url=slack.api_url).auth_test()
    assert err.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as err:
        await AsyncWebClient(token="bad", base_url=slack.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        await web_client(slack).api_call("no.such.method")
    assert err.value.response["error"] == "unknown_method"
    assert all("xoxb" not in json.dumps(c.headers) for c in slack.calls)


async def test_response_url_replace_delete_and_expiry(slack: LocalSlack) -> None:
    posted = await web_client(slack).chat_postMessage(channel="C0OPS", text="old")
    url = slack.response_url(channel="C0OPS", message_ts=posted["ts"])
    replaced = await AsyncWebhookClient(url).send(text="new", replace_original=True)
    assert replaced.status_code == 200
    assert slack.messages("C0OPS")[0]["text"] == "new"
    await AsyncWebhookClient(url).send(text="done", delete_original=True)
    assert slack.messages("C0OPS") == []
    await AsyncWebhookClient(url).send(text="for you", response_type="ephemeral")
    assert slack.ephemeral_messages()[-1]["text"] == "for you"
    slack.expire_response_url(url)
    expired = await AsyncWebhookClient(url).send(text="late")
    assert expired.status_code == 404
    assert slack.calls_to("response_url")[0].args["url"] == url


async def test_directory_usergroups_pagination_and_dm(slack: LocalSlack) -> None:
    for n in range(5):
        slack.add_user(f"U10{n}", f"user{n}", email=f"user{n}@example.com", tz="Europe/Paris")
    slack.add_usergroup("S0OPS", "ops-leads", ["U100", "U101"])
    client = web_client(slack)
    assert (await client.usergroups_users_list(usergroup="S0OPS"))["users"] == ["U100", "U101"]
    found = await client.users_lookupByEmail(email="user3@example.com")
    assert found["user"]["id"] == "U103"
    assert (await client.users_info(user="U103"))["user"]["tz"] == "Europe/Paris"
    ids, cursor = [], None
    while True:
        page = await client.users_list(limit=2, cursor=cursor)
        ids += [m["id"] for m in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert len(ids) == len(set(ids)) == 7
    channels = await client.conversations_list(limit=1)
    assert channels["response_metadata"]["next_cursor"]
    dm = await client.conversations_open(users="U100")
    await client.chat_postMessage(channel=dm["channel"]["id"], text="hi")
    await client.reactions_add(
        channel="C0OPS",
        name="eyes",
        timestamp=(await client.chat_postMessage(channel="C0OPS", text="r"))["ts"],
    )


async def test_wait_for_and_subscribe(slack: LocalSlack) -> None:
    seen: list[str] = []
    slack.subscribe(lambda call: seen.append(call.method))
    slack.delay("chat.postMessage", 0.2, times=1)
    task = asyncio.create_task(web_client(slack).chat_postMessage(channel="C0OPS", text="x"))
    calls = await asyncio.to_thread(slack.wait_for, "chat.postMessage", 1, 2.0)
    await task
    assert calls[0].args["text"] == "x"
    assert seen == ["chat.postMessage"]


async def test_signed_requests_verify_and_dispatch_through_bolt(slack: LocalSlack) -> None:
    verifier = SignatureVerifier(sr.SIGNING_SECRET)
    builders = [
        sr.slash_command("/kpi", "week"),
        sr.block_action("approve", "42"),
        sr.view_submission("escalate", {"b": {"a": {"type": "plain_text_input", "value": "v"}}}),
        sr.message_shortcut("to_action", {"text": "hi", "ts": "1.2", "user": "U0ADMIN"}),
        sr.event_callback({"type": "reaction_added", "reaction": "eyes"}, retry_num=1),
        sr.url_verification(),
    ]
    for body, headers in builders:
        assert verifier.is_valid(
            body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
        )
    stale_body, stale = sr.slash_command("/kpi", timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(stale_body, stale)

    app = AsyncApp(signing_secret=sr.SIGNING_SECRET, client=web_client(slack))
    received: list[str] = []

    @app.command("/kpi")
    async def kpi(ack, command) -> None:  # type: ignore[no-untyped-def]
        await ack("ok")
        received.append(command["text"])

    response = await app.async_dispatch(sr.to_bolt_request(*sr.slash_command("/kpi", "week")))
    assert (response.status, received) == (200, ["week"])
    response = await app.async_dispatch(sr.to_bolt_request(stale_body, stale))
    assert response.status == 401


# Jira ------------------------------------------------------------------------------------


def test_jira_create_get_update_comment_transition(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake, max_retries=0)
    epic = jira.create_issue(project="PROJ", summary="Epic", issuetype={"name": "Epic"})
    issue = jira.create_issue(
        fields={
            "project": {"key": "PROJ"},
            "summary": "Vendor down",
            "issuetype": {"name": "Bug"},
            "priority": {"name": "High"},
            "labels": ["opsbot-c1"],
            "parent": {"key": epic.key},
            "components": [{"name": "api"}],
            "customfield_10011": "echoed",
        }
    )
    assert (epic.key, issue.key) == ("PROJ-1", "PROJ-2")
    assert issue.fields.parent.key == "PROJ-1"
    assert issue.fields.customfield_10011 == "echoed"
    issue.update(fields={"summary": "Vendor down (EU)"}, update={"labels": [{"add": "eu"}]})
    assert jira.issue("PROJ-2").fields.labels == ["opsbot-c1", "eu"]
    jira.add_comment(issue.key, "looking")
    assert jira.comments(issue.key)[0].body == "looking"
    assert {t["name"] for t in jira.transitions(issue)} == {"In Progress", "Done", "Resolve"}
    jira.transition_issue(issue, 21)
    assert jira.issue(issue.key).fields.status.name == "In Progress"
    jira.transition_issue(issue, "41")
    fields = jira.issue(issue.key).fields
    assert (fields.status.name, fields.status.statusCategory.key) == ("Resolved", "done")
    assert jira_fake.issues["PROJ-2"]["fields"]["resolution"]["name"] == "Done"


def test_jira_search_pages_with_next_page_token(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake, max_retries=0)
    for n in range(5):
        jira.create_issue(project="ESC", summary=f"s{n}", issuetype="Task", labels=[f"l{n % 2}"])
    jql = (
        'project = ESC AND (labels = "l0" OR labels in (l1)) '
        "AND statusCategory != Done ORDER BY key DESC"
    )
    keys, token = [], None
    while True:
        page = jira.enhanced_search_issues(jql, nextPageToken=token, maxResults=2)
        keys += [i.key for i in page]
        token = page.nextPageToken
        if not token:
            break
    assert keys == [f"ESC-{n}" for n in range(5, 0, -1)]
    assert len([r for r in jira_fake.requests if r.path.endswith("search/jql")]) == 3
    assert [i.key for i in jira.search_issues('key in (ESC-1, "ESC-2") AND labels = l1')] == [
        "ESC-2"
    ]
    assert jira.search_issues(r'summary ~ "a \"quoted\" \\ text"') == []
    with pytest.raises(JIRAError) as err:
        jira.search_issues('labels = "x" OR 1=1 --')
    assert err.value.status_code == 400


def test_jira_links_users_assign_and_errors(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake, max_retries=0)
    jira_fake.state.add_user("acc-7", "Dana Scully", "dana@example.com")
    a = jira.create_issue(project="PROJ", summary="a", issuetype="Task")
    b = jira.create_issue(project="PROJ", summary="b", issuetype="Task")
    jira.create_issue_link("Blocks", a.key, b.key)
    assert jira.issue(b.key).fields.issuelinks[0].inwardIssue.key == a.key
    assert [u.accountId for u in jira.search_users(query="dana@example.com")] == ["acc-7"]
    jira.assign_issue(a.key, "dana@example.com")
    assert jira_fake.issues[a.key]["fields"]["assignee"]["displayName"] == "Dana Scully"
    with pytest.raises(JIRAError) as err:
        jira.create_issue(project="PROJ", issuetype="Task")
    assert err.value.status_code == 400
    assert "You must specify a summary of the issue." in str(err.value.text)
    with pytest.raises(JIRAError) as err:
        jira.issue("PROJ-999")
    assert err.value.status_code == 404


def test_jira_lost_create_response_leaves_the_issue(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake)  # default retries: a 504 is not retried
    jira_fake.lose_next_create_response()
    with pytest.raises(JIRAError) as err:
        jira.create_issue(project="PROJ", summary="lost", issuetype="Task", labels=["corr-9"])
    assert err.value.status_code == 504
    assert [i["key"] for i in jira_fake.issues.values()] == ["PROJ-1"]
    assert [i.key for i in jira.search_issues('labels = "corr-9"')] == ["PROJ-1"]


def test_jira_library_retries_dropped_create_and_duplicates_it(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake, max_retries=1)
    jira._session.max_retry_delay = 0  # keep the library's own backoff out of the test time
    jira_fake.lose_next_create_response(mode="drop")
    jira.create_issue(project="PROJ", summary="dup", issuetype="Task")
    assert len(jira_fake.issues) == 2  # documented in jira_server: never let it retry creates

    jira = jira_client(jira_fake, max_retries=0)
    jira_fake.lose_next_create_response(mode="drop")
    with pytest.raises(RequestsConnectionError):
        jira.create_issue(project="PROJ", summary="once", issuetype="Task")
    assert len(jira_fake.issues) == 3


def test_jira_faults_down_and_up(jira_fake: FakeJira) -> None:
    jira = jira_client(jira_fake, max_retries=0)
    jira_fake.fail_next("GET /rest/api/2/issue/*", status=500)
    jira.create_issue(project="PROJ", summary="x", issuetype="Task", prefetch=False)
    with pytest.raises(JIRAError) as err:
        jira.issue("PROJ-1")
    assert err.value.status_code == 500
    jira_fake.down()
    with pytest.raises(JIRAError) as err:
        jira.myself()
    assert err.value.status_code == 503
    jira_fake.up()
    jira_fake.down(refuse=True)
    with pytest.raises(RequestsConnectionError):
        jira.myself()
    jira_fake.up()
    assert jira.myself()["displayName"] == "Opsbot"


def test_jira_auth_and_webhook_helpers(jira_fake: FakeJira) -> None:
    jira_fake.require_auth("bot@example.com", "api-token")
    with pytest.raises(JIRAError) as err:
        JIRA(server=jira_fake.url, basic_auth=("bot@example.com", "wrong"), max_retries=0)
    assert err.value.status_code == 401
    jira = jira_client(jira_fake, max_retries=0)
    issue = jira.create_issue(project="ESC", summary="w", issuetype="Task")
    body = jira_webhook_payload(
        "jira:issue_updated", issue.raw, changelog=status_change("To Do", "Done")
    )
    assert body["issue_event_type_name"] == "issue_generic"
    assert body["changelog"]["items"][0]["toString"] == "Done"
    comment = jira_webhook_payload("comment_created", issue.raw, comment="hi")
    assert comment["comment"]["body"] == "hi"
    raw = json.dumps(body).encode()
    assert sign_jira_webhook(raw, "s3cret").startswith("sha256=")
    assert sign_jira_webhook(raw, "s3cret") != sign_jira_webhook(raw, "other")
