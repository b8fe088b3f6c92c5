"""The Bolt app through the front door: signatures, retries, help, errors, audit."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from bot.app import OpsbotApp
from bot.offline.slack import LocalSlack
from storage.audit import AuditEvent
from storage.request_keys import RequestKey
from tests.conftest import Dispatch
from tests.support.slack_requests import slash_command, to_bolt_request


async def audit_rows(app: OpsbotApp) -> list[AuditEvent]:
    await app.runtime.audit.flush()
    with app.runtime.sessions() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


async def test_help_lists_every_registered_family(dispatch: Dispatch, app: OpsbotApp) -> None:
    response = await dispatch(slash_command("/opsbot", "help"))
    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_type"] == "ephemeral"
    for family in app.catalog.families:
        assert family.command in body["text"]
        for line in family.usage:
            assert line in body["text"]


async def test_bare_command_is_help(dispatch: Dispatch) -> None:
    response = await dispatch(slash_command("/opsbot", ""))
    assert "/opsbot help" in json.loads(response.body)["text"]


async def test_unknown_subcommand_answers_usage_ephemerally(
    dispatch: Dispatch, app: OpsbotApp
) -> None:
    response = await dispatch(slash_command("/opsbot", "frobnicate <!channel>"))
    body = json.loads(response.body)
    assert response.status == 200
    assert body["response_type"] == "ephemeral"
    assert "frobnicate" in body["text"] and "/opsbot help" in body["text"]
    assert (await audit_rows(app))[-1].outcome == "usage"


async def test_mention_in_unknown_word_is_escaped(dispatch: Dispatch) -> None:
    response = await dispatch(slash_command("/opsbot", "<!channel>"))
    text = json.loads(response.body)["text"]
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


async def test_bad_signature_is_refused_and_nothing_written(app: OpsbotApp) -> None:
    body, headers = slash_command("/opsbot", "help")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    response = await app.async_dispatch(to_bolt_request(body, headers))
    assert response.status == 401
    assert (await audit_rows(app)) == []
    with app.runtime.sessions() as session:
        assert list(session.exec(select(RequestKey))) == []


async def test_request_older_than_five_minutes_is_refused(app: OpsbotApp) -> None:
    stale = int(time.time()) - 6 * 60
    response = await app.async_dispatch(
        to_bolt_request(*slash_command("/opsbot", "help", timestamp=stale))
    )
    assert response.status == 401


async def test_slack_retry_runs_the_handler_once(dispatch: Dispatch, app: OpsbotApp) -> None:
    body, headers = slash_command("/opsbot", "help", trigger_id="111.222.retry")
    first = await dispatch((body, headers))
    retried_body, retried_headers = slash_command(
        "/opsbot", "help", trigger_id="111.222.retry", retry_num=1, retry_reason="http_timeout"
    )
    second = await dispatch((retried_body, retried_headers))
    assert "opsbot commands" in first.body
    assert second.status == 200 and second.body == ""
    outcomes = [row.outcome for row in (await audit_rows(app))]
    assert outcomes == ["ok", "duplicate"]


async def test_unexpected_error_apologises_and_is_logged(
    app: OpsbotApp, dispatch: Dispatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(ack: object) -> None:
        raise RuntimeError("disk on fire")

    app.command("/explode")(explode)
    response = await dispatch(slash_command("/explode", "now", trigger_id="boom.1"))
    body = json.loads(response.body)
    assert body["response_type"] == "ephemeral"
    assert "Sorry" in body["text"] and "disk on fire" not in body["text"]
    assert any("disk on fire" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    assert (await audit_rows(app))[-1].outcome == "error"
    # A failed request releases its dedupe key so Slack's retry may run it again.
    with app.runtime.sessions() as session:
        assert session.get(RequestKey, "cmd:boom.1") is None


async def test_audit_records_who_where_and_latency(dispatch: Dispatch, app: OpsbotApp) -> None:
    await dispatch(slash_command("/opsbot", "help", user_id="U0ALICE", channel_id="C0OPS"))
    row = (await audit_rows(app))[-1]
    assert (row.user_id, row.channel_id, row.kind, row.name) == (
        "U0ALICE",
        "C0OPS",
        "command",
        "/opsbot",
    )
    assert row.outcome == "ok" and row.latency_ms > 0


async def test_metrics_count_requests_by_command_and_outcome(
    dispatch: Dispatch, app: OpsbotApp
) -> None:
    await dispatch(slash_command("/opsbot", "help"))
    await dispatch(slash_command("/opsbot", "nonsense"))
    text = app.runtime.metrics.render().decode()
    assert 'opsbot_requests_total{name="/opsbot",outcome="ok"} 1.0' in text
    assert 'opsbot_requests_total{name="/opsbot",outcome="usage"} 1.0' in text
    assert "opsbot_ack_latency_seconds_count 2.0" in text
    # The authorization check called auth.test through the instrumented client.
    assert 'opsbot_outbound_calls_total{method="auth.test",status="ok",system="slack"}' in text


async def test_admin_policy_reads_user_group(
    app: OpsbotApp, local_slack: LocalSlack, settings_overrides: dict[str, object]
) -> None:
    from commands.authz import AdminPolicy
    from integrations.errors import NotAllowed

    local_slack.add_usergroup("S0ADMINS", "opsbot-admins", ["U0GROUPY"])
    policy = AdminPolicy(
        user_ids=frozenset({"U0ADMIN"}), group_id="S0ADMINS", directory=app.runtime.directory
    )
    assert await policy.is_admin("U0ADMIN")
    assert await policy.is_admin("U0GROUPY")
    assert not await policy.is_admin("U0RANDOM")
    with pytest.raises(NotAllowed, match="Only opsbot admins"):
        await policy.require_admin("U0RANDOM", action="add a check-in")
    assert local_slack.calls_to("usergroups.users.list")


async def test_housekeeping_purges_only_expired_request_keys(app: OpsbotApp) -> None:
    from datetime import timedelta

    from bot.housekeeping import KEEP_REQUEST_KEYS, purge_once
    from storage.types import utcnow

    with app.runtime.sessions() as session:
        session.add(
            RequestKey(key="cmd:old", seen_at=utcnow() - KEEP_REQUEST_KEYS - timedelta(hours=1))
        )
        session.add(RequestKey(key="cmd:new", seen_at=utcnow()))
        session.commit()
    assert purge_once(app.runtime.sessions) == 1
    with app.runtime.sessions() as session:
        assert [k.key for k in session.exec(select(RequestKey))] == ["cmd:new"]


async def test_control_characters_in_command_text_are_audited_without_them(
    dispatch: Dispatch, app: OpsbotApp
) -> None:
    await dispatch(slash_command("/opsbot", "help\x00\x07 me"))
    assert (await audit_rows(app))[-1].detail == "help me"
